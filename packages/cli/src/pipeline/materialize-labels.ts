import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import {
  InputDataError,
  OutputPathError,
  readRunManifest,
  recordRunFiles,
  RUN_MANIFEST,
  stepContext,
  tempPathFor,
  trackTemp,
  untrackTemp,
  type StepContext,
} from '@twindb/core-tensors';
import { dbSpecRoot, openImageSource, writeImageFile, type ImageSource } from '@twindb/core-tensors/data';
import { tableFromIPC } from 'apache-arrow';

export interface MaterializeInput {
  /** The new DB's folder (STEP 1-2's output, with `labels.arrow` written by the pipeline). */
  newdb: string;
  how: 'copy' | 'link';
  /** The pool DB's spec: relative paths are kept from its root; DBs without files are decoded from it. */
  poolDb: unknown;
}

export interface MaterializeSummary {
  how: 'copy' | 'link';
  /** `<newdb>/images`: one sub-folder per cluster. */
  dir: string;
  /** Files written (copies, links and PNGs). */
  files: number;
  /** Of which PNGs decoded from a DB without files (`mnist:`, `cifar10:`, `stl10:`), named by id. */
  encoded: number;
  clusters: number;
}

/** One row of `labels.arrow` as materialisation needs it. */
interface LabelRow {
  id: string;
  path: string | null;
  cluster: number;
}

/** Characters a file name may not hold on common file systems (control characters too, see {@link safeSegment}). */
const UNSAFE = /[<>:"|?*]/g;

/** One path segment with unsafe and control characters replaced by `_`. */
function safeSegment(s: string): string {
  return Array.from(s.replace(UNSAFE, '_'), (ch) => (ch.charCodeAt(0) < 32 ? '_' : ch)).join('');
}

/** A relative "/"-path that stays inside its folder: no empty, `.` or `..` segment, no unsafe character. */
export function safeRelativePath(rel: string): string {
  const parts = rel
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.')
    .map((s) => (s === '..' ? '__' : safeSegment(s)));
  return parts.length ? parts.join('/') : 'item';
}

/**
 * Where a row goes under its cluster folder: its path in the pool DB, relative to the DB's root
 * (sub-folders kept, so that two `a/0001.jpg` and `b/0001.jpg` stay apart); a file outside that root
 * (a list file naming absolute paths) keeps its id instead, with the file's extension. Rows without
 * a file (`mnist:`, `cifar10:`, `stl10:`) are PNGs named by their id (`mnist/123` → `mnist/123.png`).
 */
export function materializedName(row: { id: string; path: string | null }, rootDir: string | undefined): string {
  if (!row.path) return `${safeRelativePath(row.id)}.png`;
  if (rootDir) {
    const rel = path.relative(rootDir, row.path);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return safeRelativePath(rel.split(path.sep).join('/'));
  }
  const ext = path.extname(row.path);
  const id = safeRelativePath(row.id);
  return ext && id.toLowerCase().endsWith(ext.toLowerCase()) ? id : `${id}${ext}`;
}

/** `name` or, when taken, `name-2`, `name-3`, … before its extension (case-insensitively unique). */
function unique(name: string, used: Set<string>): string {
  const ext = path.posix.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let out = name;
  for (let n = 2; used.has(out.toLowerCase()); n++) out = `${stem}-${n}${ext}`;
  used.add(out.toLowerCase());
  return out;
}

async function readLabelRows(file: string): Promise<LabelRow[]> {
  let table;
  try {
    table = tableFromIPC(await fs.readFile(file));
  } catch (err) {
    throw new InputDataError(`${file}: cannot read the new DB's labels (${(err as Error).message}); run the pipeline's labels step again (--from labels)`);
  }
  const ids = table.getChild('id');
  const paths = table.getChild('path');
  const clusters = table.getChild('cluster');
  if (!ids || !paths || !clusters) throw new InputDataError(`${file}: expected the columns id, path and cluster of the pipeline's labels.arrow`);
  return Array.from({ length: table.numRows }, (_, r) => ({ id: String(ids.get(r)), path: (paths.get(r) as string | null) || null, cluster: Number(clusters.get(r)) }));
}

/**
 * `--materialize copy|link`: the labelled new DB in ImageFolder layout, `<newdb>/images/<cluster>/<name>`
 * (see {@link materializedName}). Written into a temp folder and renamed into place when complete;
 * a previous `images/` is replaced only when every file in it is one twindb listed in the folder's
 * `.twindb-run.json` (anything else: an OutputPathError, exit 2, and nothing is touched). The files
 * are recorded in that manifest before the rename, the old entries dropped after it. Copies never
 * replace a file; links point at the absolute source path; rows without a file are decoded from the
 * pool DB and written as PNG whichever `how`.
 */
export async function materializeLabels(i: MaterializeInput, context: Partial<StepContext> = {}): Promise<MaterializeSummary> {
  const ctx = stepContext(context);
  const newdb = path.resolve(i.newdb);
  const dir = path.join(newdb, 'images');
  const manifest = await readRunManifest(newdb);
  if (!manifest) throw new OutputPathError(newdb, `${newdb} has no ${RUN_MANIFEST}: it is not a new DB twindb wrote, so nothing is materialised into it`);
  const previous = await ownedTree(dir, newdb, manifest.files);
  const rows = await readLabelRows(path.join(newdb, 'labels.arrow'));

  const root = dbSpecRoot(i.poolDb);
  const rootDir = root === undefined ? undefined : (await fs.stat(root).catch(() => undefined))?.isDirectory() ? root : path.dirname(root);
  let source: Promise<{ src: ImageSource; index: Map<string, number> }> | undefined;
  const decoded = () =>
    (source ??= openImageSource(i.poolDb, { warn: ctx.log }).then((src) => ({ src, index: new Map(src.records.map((r, k) => [r.id, k])) })));

  const tmp = tempPathFor(dir);
  trackTemp(tmp);
  const written: string[] = [];
  let encoded = 0;
  const used = new Set<string>();
  const progress = ctx.progress('materialize', rows.length, 'img');
  try {
    await fs.mkdir(tmp);
    for (const row of rows) {
      const rel = unique(`${row.cluster}/${materializedName(row, rootDir)}`, used);
      const dst = path.join(tmp, ...rel.split('/'));
      await fs.mkdir(path.dirname(dst), { recursive: true });
      if (!row.path) {
        const { src, index } = await decoded();
        const k = index.get(row.id);
        if (k === undefined) throw new InputDataError(`materialize: id "${row.id}" of ${path.join(newdb, 'labels.arrow')} is not in the pool DB ${src.name}`);
        await writeImageFile(await src.load(k), dst);
        encoded++;
      } else {
        const from = path.resolve(row.path);
        try {
          if (i.how === 'copy') await fs.copyFile(from, dst, constants.COPYFILE_EXCL);
          else await fs.symlink(from, dst);
        } catch (err) {
          throw new InputDataError(`materialize: cannot ${i.how} ${from} (id "${row.id}"): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      written.push(`images/${rel}`);
      progress.tick();
      ctx.signal?.throwIfAborted();
    }
    // Listed before they appear under their final name, so that a kill after the rename leaves them twindb's.
    await recordRunFiles(newdb, written);
    if (previous) {
      // Checked again: something may have been added since.
      await ownedTree(dir, newdb, (await readRunManifest(newdb))?.files ?? []);
      await fs.rm(dir, { recursive: true });
    }
    await fs.rename(tmp, dir);
    await recordRunFiles(newdb, written, { replace: 'images/' });
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    untrackTemp(tmp);
  }
  ctx.log(`materialize: ${written.length} images (${i.how}${encoded ? `, ${encoded} decoded to PNG` : ''}) → ${dir}/<cluster>/`);
  return { how: i.how, dir, files: written.length, encoded, clusters: new Set(rows.map((r) => r.cluster)).size };
}

/**
 * Nothing at `dir` (false), or a real folder every file of which `files` (the manifest) lists (true);
 * anything else is refused, naming what is in the way, before anything is written.
 */
async function ownedTree(dir: string, newdb: string, files: readonly string[]): Promise<boolean> {
  let st;
  try {
    st = await fs.lstat(dir);
  } catch {
    return false;
  }
  const what = `${dir} (for --materialize)`;
  if (!st.isDirectory()) throw new OutputPathError(dir, `${what} is ${st.isSymbolicLink() ? 'a symbolic link' : 'a file'} twindb did not write; twindb never replaces it: move it away`);
  const listed = new Set(files);
  const foreign: string[] = [];
  const walk = async (abs: string) => {
    for (const e of await fs.readdir(abs, { withFileTypes: true })) {
      const full = path.join(abs, e.name);
      if (e.isDirectory()) await walk(full);
      else {
        const rel = path.relative(newdb, full).split(path.sep).join('/');
        if (!listed.has(rel)) foreign.push(rel);
      }
    }
  };
  await walk(dir);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
    throw new OutputPathError(dir, `${what} holds files twindb did not write: ${shown}; twindb never replaces them. Move them out, then run again`);
  }
  return true;
}
