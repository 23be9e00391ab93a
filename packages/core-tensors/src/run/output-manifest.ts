import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OutputPathError } from '../errors/twindb-error.js';
import { writeFileAtomic } from './atomic-file.js';
import { isPidAlive, parseTempName } from './temp-files.js';

/**
 * Ownership of output folders. Every output folder twindb creates carries `.twindb-run.json`
 * (command, version, every file written, relative to the folder). `--overwrite` replaces only such
 * a folder, and removes only the files listed there: anything else at the output path (a file, a
 * folder twindb did not write, a file added to a twindb folder, an input or a DB) is refused before
 * any compute, with an OutputPathError (exit 2) naming what is in the way.
 */

export const RUN_MANIFEST = '.twindb-run.json';
export const TWINDB_VERSION = '0.1.0';

export const RunManifestSchema = z.object({
  tool: z.literal('twindb'),
  command: z.string().min(1),
  version: z.string(),
  /** Files twindb wrote, relative to the folder, "/"-separated, sorted. */
  files: z.array(z.string().min(1)),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;

export interface OutputFolderCheck {
  /** Absolute output folder. */
  out: string;
  /** Something is at `out` already (then `overwrite` was given and it is twindb's, or it is empty). */
  exists: boolean;
  /** The manifest of what is there, when it has one. */
  manifest?: RunManifest;
}

export interface OutputFolderOptions {
  /** The step writing the folder, e.g. "sample". */
  command: string;
  overwrite: boolean;
  /** Files and folders this run reads: none may be inside (or equal to) the output folder. */
  inputs?: readonly (string | undefined)[];
  /** Image DB roots: the output may not lie inside one either. */
  dbs?: readonly (string | undefined)[];
  /** How the folder is named in messages (default `--out`). */
  what?: string;
}

/** Checks an output folder before any compute (see the file comment). */
export async function checkOutputFolder(dir: string, opts: OutputFolderOptions): Promise<OutputFolderCheck> {
  const what = opts.what ?? '--out';
  const out = path.resolve(dir);
  const realOut = await realpathOrSelf(out);
  for (const input of opts.inputs ?? []) {
    if (!input) continue;
    const real = await realpathOrSelf(path.resolve(input));
    if (isInside(real, realOut)) {
      throw new OutputPathError(
        out,
        `${what} ${out} holds the input ${input}; twindb would replace it. Choose an output folder that contains none of the inputs`,
      );
    }
  }
  for (const db of opts.dbs ?? []) {
    if (!db) continue;
    const real = await realpathOrSelf(path.resolve(db));
    if (isInside(realOut, real) || isInside(real, realOut)) {
      throw new OutputPathError(out, `${what} ${out} overlaps the image DB ${db}; choose an output folder outside it (and not containing it)`);
    }
  }
  let st;
  try {
    st = await fs.lstat(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { out, exists: false };
    throw new OutputPathError(out, `${what} ${out}: cannot inspect it (${(err as NodeJS.ErrnoException).code}); choose another output folder`);
  }
  if (st.isSymbolicLink()) {
    throw new OutputPathError(out, `${what} ${out} is a symbolic link; give the real folder (twindb never replaces a link)`);
  }
  if (!st.isDirectory()) {
    throw new OutputPathError(out, `${what} ${out} is a file, not a twindb output folder; twindb never replaces it: choose another output folder or move the file yourself`);
  }
  const entries = await listFiles(out);
  const manifest = await readRunManifest(out);
  if (!opts.overwrite) {
    throw new OutputPathError(out, `output folder ${out} already exists (pass --overwrite to replace it, which removes only what twindb wrote there)`);
  }
  if (entries.length === 0) return { out, exists: true };
  if (!manifest) {
    throw new OutputPathError(
      out,
      `${what} ${out} is not a twindb output folder (no ${RUN_MANIFEST}; it holds ${preview(entries)}); --overwrite replaces only folders twindb wrote: choose another output folder`,
    );
  }
  const owned = new Set(manifest.files);
  const foreign = entries.filter((f) => f !== RUN_MANIFEST && !owned.has(f) && !isDeadTemp(f));
  if (foreign.length > 0) {
    throw new OutputPathError(
      out,
      `${what} ${out} holds files twindb did not write: ${preview(foreign)}; --overwrite removes only what ${RUN_MANIFEST} lists. Move them out or choose another output folder`,
    );
  }
  return { out, exists: true, manifest };
}

/** The folder's manifest, or undefined when it has none (or an unreadable one: then it is not ours). */
export async function readRunManifest(dir: string): Promise<RunManifest | undefined> {
  try {
    const r = RunManifestSchema.safeParse(JSON.parse(await fs.readFile(path.join(dir, RUN_MANIFEST), 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `dir`'s manifest listing every file now in it (call when the folder is complete, before renaming it into place). */
export async function writeRunManifest(dir: string, command: string): Promise<RunManifest> {
  const files = (await listFiles(dir)).filter((f) => f !== RUN_MANIFEST);
  const manifest: RunManifest = { tool: 'twindb', command, version: TWINDB_VERSION, files };
  await writeFileAtomic(path.join(dir, RUN_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Removes an output folder twindb wrote: checks it again (something may have appeared since the
 * check before compute), removes the listed files, the dead temps, the emptied sub-folders and the
 * manifest, then the folder. Anything else makes it stop with an OutputPathError, leaving it there.
 */
export async function removeOwnedOutput(dir: string, opts: Omit<OutputFolderOptions, 'overwrite'>): Promise<void> {
  const check = await checkOutputFolder(dir, { ...opts, overwrite: true });
  if (!check.exists) return;
  const files = await listFiles(check.out);
  for (const f of files) await fs.rm(path.join(check.out, f), { recursive: true, force: true });
  const dirs = await listDirs(check.out);
  for (const d of dirs.sort((a, b) => b.length - a.length)) await fs.rmdir(path.join(check.out, d));
  await fs.rmdir(check.out);
}

/** Every non-folder entry under `dir`, relative, "/"-separated, sorted; dead temps count as entries. Links are not followed. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !parseTempName(e.name)) await walk(r);
      else out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

async function listDirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      await walk(r);
    }
  };
  await walk('');
  return out;
}

function isDeadTemp(rel: string): boolean {
  const t = parseTempName(path.posix.basename(rel));
  return !!t && !t.legacy && !isPidAlive(t.pid);
}

function preview(entries: readonly string[]): string {
  const shown = entries.slice(0, 5).join(', ');
  return entries.length > 5 ? `${shown} and ${entries.length - 5} more` : shown;
}

async function realpathOrSelf(p: string): Promise<string> {
  return fs.realpath(p).catch(() => p);
}

/** True when `child` is `parent` or lies under it. */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
