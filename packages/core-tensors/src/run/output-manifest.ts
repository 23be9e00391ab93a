import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OutputPathError } from '../errors/twindb-error.js';
import { writeFileAtomic } from './atomic-file.js';
import { isPidAlive, parseTempName, removeStaleTemps } from './temp-files.js';

/**
 * Ownership of output folders. Every output folder twindb creates carries `.twindb-run.json`
 * (command, version, every file written, relative to the folder). Two kinds of folders use it:
 * - folders written whole and renamed into place (`sample`): `--overwrite` replaces only such a
 *   folder of the same command, and removes only the files listed there (checkOutputFolder,
 *   removeOwnedOutput);
 * - run folders written in place and resumed (`pretext`, `scan`, `selflabel`, `pipeline`): a run
 *   continues only a folder of its own command, and never writes over a file the manifest does not
 *   list (claimRunFolder).
 * Anything else at the output path (a file, a folder twindb did not write, a folder of another
 * command, a file added to a twindb folder where twindb would write, an input or a DB) is refused
 * before any compute, with an OutputPathError (exit 2) naming what is in the way.
 */

export const RUN_MANIFEST = '.twindb-run.json';
export const TWINDB_VERSION = '0.1.0';

export const RunManifestSchema = z.object({
  tool: z.literal('twindb'),
  command: z.string().min(1),
  version: z.string(),
  /**
   * Files twindb wrote, relative to the folder, "/"-separated, sorted. In a run folder: the files
   * its command writes there (listed before the first is written, so a killed run's folder is still
   * recognised); an entry ending in "/" stands for a whole sub-folder.
   */
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
  await refuseOverlaps(out, opts, what);
  if (!(await inspectFolder(out, what))) return { out, exists: false };
  const entries = await listFiles(out);
  const manifest = await readRunManifest(out);
  if (manifest) refuseOtherCommand(out, manifest, opts.command, what);
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
  const foreign = entries.filter((f) => f !== RUN_MANIFEST && !owns(manifest.files, f) && !isDeadTemp(f));
  if (foreign.length > 0) {
    throw new OutputPathError(
      out,
      `${what} ${out} holds files twindb did not write: ${preview(foreign)}; --overwrite removes only what ${RUN_MANIFEST} lists. Move them out or choose another output folder`,
    );
  }
  return { out, exists: true, manifest };
}

export interface RunFolderOptions {
  /** The step writing the folder, e.g. "scan": recorded, and a folder of another command is refused. */
  command: string;
  /**
   * Every file the command may write in the folder, relative, "/"-separated (an entry ending in "/"
   * claims a whole sub-folder). Listed in the manifest before any is written; an existing file at
   * one of these names that the manifest does not list is refused (twindb would replace it).
   */
  files: readonly string[];
  /** Files and folders this run reads: none may be inside (or equal to) the folder. */
  inputs?: readonly (string | undefined)[];
  /** Image DB roots: the folder may not lie inside one either (nor contain one). */
  dbs?: readonly (string | undefined)[];
  /**
   * A file every earlier twindb version wrote into such a folder (its step log, e.g.
   * "scan.log.jsonl"): a folder without a manifest that holds it and nothing but `files` is a run
   * folder of a version without manifests, and is adopted (its manifest written) rather than refused.
   */
  legacyMarker?: string;
  /** How the folder is named in messages (default `--out`). */
  what?: string;
}

export interface ClaimedRunFolder {
  /** Absolute folder. */
  out: string;
  /** The folder did not exist and was created. */
  created: boolean;
  /** The folder had no manifest: an earlier version's run folder (see `legacyMarker`), now carrying one. */
  adopted: boolean;
  manifest: RunManifest;
  /** Temp files of this folder's outputs left by a killed run (their writer is dead), now removed. */
  removedTemps: string[];
}

/**
 * Opens a run folder written in place and resumed across runs (pretext, scan, selflabel, pipeline),
 * before any compute: creates it when absent; accepts an empty folder and a folder of the same
 * command (whose files a resumed run continues; files the command never writes may sit beside
 * them); refuses, with an OutputPathError (exit 2) naming what is in the way, a file, a symbolic
 * link, a folder of another command, a folder twindb did not write (unless an earlier version's
 * run folder, see `legacyMarker`), a file at one of `files` the manifest does not list, an input
 * or a DB inside (or equal to) it (except an input twindb staged in one of the folder's own
 * sub-folders, see `files`). Then writes the manifest, listing `files` (and what it listed).
 */
export async function claimRunFolder(dir: string, opts: RunFolderOptions): Promise<ClaimedRunFolder> {
  const what = opts.what ?? '--out';
  const out = path.resolve(dir);
  // An input in a sub-folder this command claims and its folder already lists was staged there by
  // twindb for this run (the features `twindb scan --pretext` embeds into <out>/features/): it may stay.
  const prior = await readRunManifest(out);
  const staged = (rel: string) => prior?.command === opts.command && opts.files.some((f) => f.endsWith('/') && prior.files.includes(f) && rel.startsWith(f));
  await refuseOverlaps(out, opts, what, staged);
  if (!(await inspectFolder(out, what))) {
    try {
      await fs.mkdir(out, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new OutputPathError(out, `${what} ${out}: cannot create it (${code}); choose a writable location`, { cause: err });
    }
    return { out, created: true, adopted: false, manifest: await writeManifest(out, opts.command, [...new Set(opts.files)].sort()), removedTemps: [] };
  }
  const entries = (await listFiles(out)).filter((f) => f !== RUN_MANIFEST && !isDeadTemp(f));
  const manifest = await readRunManifest(out);
  let adopted = false;
  if (manifest) {
    refuseOtherCommand(out, manifest, opts.command, what);
    const inTheWay = entries.filter((f) => owns(opts.files, f) && !owns(manifest.files, f));
    if (inTheWay.length > 0) {
      throw new OutputPathError(
        out,
        `${what} ${out} holds files twindb did not write where \`twindb ${opts.command}\` writes: ${preview(inTheWay)}; ` +
          `twindb never replaces a file its ${RUN_MANIFEST} does not list. Move them out or choose another output folder`,
      );
    }
  } else if (entries.length > 0) {
    const legacy = opts.legacyMarker !== undefined && entries.includes(opts.legacyMarker) && entries.every((f) => owns(opts.files, f));
    if (!legacy) {
      throw new OutputPathError(
        out,
        `${what} ${out} is not a twindb ${opts.command} folder (no ${RUN_MANIFEST}; it holds ${preview(entries)}); ` +
          'twindb writes only into a new or empty folder, or one it wrote: choose another output folder',
      );
    }
    adopted = true;
  }
  const files = [...new Set([...(manifest?.files ?? []), ...opts.files])].sort();
  const same = manifest && manifest.version === TWINDB_VERSION && manifest.files.length === files.length && manifest.files.every((f, i) => f === files[i]);
  // A run killed mid-write (SIGKILL, power loss) leaves its temp beside the output; the folder is
  // ours now, so the temps of its outputs whose writer is dead go (never a live run's).
  const removedTemps = removeStaleTemps(out, [...files.map((f) => f.replace(/\/$/, '')), RUN_MANIFEST]);
  return { out, created: false, adopted, manifest: same ? manifest : await writeManifest(out, opts.command, files), removedTemps };
}

/**
 * Adds files to the manifest of a twindb folder (a later step writing beside a step's outputs, e.g.
 * the pipeline's `labels.csv` in sample's folder), so that they count as twindb's. No-op without one.
 * `replace: "images/"`: the listed entries under that prefix that `files` does not name are dropped
 * (call it once the files that replaced them are in place).
 */
export async function recordRunFiles(dir: string, files: readonly string[], opts: { replace?: string } = {}): Promise<void> {
  const manifest = await readRunManifest(dir);
  if (!manifest) return;
  const prefix = opts.replace;
  const named = new Set(files);
  const kept = prefix === undefined ? manifest.files : manifest.files.filter((f) => !f.startsWith(prefix) || named.has(f));
  const all = [...new Set([...kept, ...files])].sort();
  if (all.length !== manifest.files.length || all.some((f, i) => f !== manifest.files[i])) await writeManifest(dir, manifest.command, all);
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
  return writeManifest(dir, command, (await listFiles(dir)).filter((f) => f !== RUN_MANIFEST));
}

async function writeManifest(dir: string, command: string, files: readonly string[]): Promise<RunManifest> {
  const manifest: RunManifest = { tool: 'twindb', command, version: TWINDB_VERSION, files: [...files] };
  await writeFileAtomic(path.join(dir, RUN_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Inputs and DBs inside (or equal to) the output folder are refused (but `staged` ones); so is an output inside a DB. */
async function refuseOverlaps(
  out: string,
  opts: Pick<OutputFolderOptions, 'inputs' | 'dbs'>,
  what: string,
  staged: (rel: string) => boolean = () => false,
): Promise<void> {
  const realOut = await realpathOrSelf(out);
  for (const input of opts.inputs ?? []) {
    if (!input) continue;
    const real = await realpathOrSelf(path.resolve(input));
    if (isInside(real, realOut) && !staged(path.relative(realOut, real).split(path.sep).join('/'))) {
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
}

/** False when nothing is at `out`; true for a folder; an OutputPathError for anything else (a link, a file). */
async function inspectFolder(out: string, what: string): Promise<boolean> {
  let st;
  try {
    st = await fs.lstat(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new OutputPathError(out, `${what} ${out}: cannot inspect it (${(err as NodeJS.ErrnoException).code}); choose another output folder`);
  }
  if (st.isSymbolicLink()) {
    throw new OutputPathError(out, `${what} ${out} is a symbolic link; give the real folder (twindb never replaces a link)`);
  }
  if (!st.isDirectory()) {
    throw new OutputPathError(out, `${what} ${out} is a file, not a twindb output folder; twindb never replaces it: choose another output folder or move the file yourself`);
  }
  return true;
}

function refuseOtherCommand(out: string, manifest: RunManifest, command: string, what: string): void {
  if (manifest.command === command) return;
  throw new OutputPathError(
    out,
    `${what} ${out} is the output folder of \`twindb ${manifest.command}\`, not of \`twindb ${command}\`; twindb writes only into a folder of the same command: choose another output folder`,
  );
}

/** True when `rel` is one of `files`, or lies in a sub-folder listed there as "dir/". */
function owns(files: readonly string[], rel: string): boolean {
  return files.some((f) => f === rel || (f.endsWith('/') && rel.startsWith(f)));
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
