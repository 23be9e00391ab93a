import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { RejectedImage } from '../decode/rejected-images.js';
import path from 'node:path';
import { decodeImageFile } from '../decode/decode-image-file.js';
import type { ImageFormat, ImageRecord, ImageSource } from './image-source.js';

export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp'];

export interface FolderSourceOptions {
  /** 'from-subfolders': the first-level folder names are the classes (torchvision ImageFolder). */
  labels?: 'none' | 'from-subfolders';
  format?: ImageFormat;
  name?: string;
  /** Where notes about ignored files go (default: stderr). */
  warn?: (msg: string) => void;
}

/**
 * Every image file under `root`, searched recursively, in a stable (code-point sorted) order. Ids
 * are the paths relative to the root with "/" separators. With class labels, classes are the sorted
 * first-level folder names and images directly in the root are ignored, as ImageFolder does.
 */
export async function openFolderSource(root: string, opts: FolderSourceOptions = {}): Promise<ImageSource> {
  const name = opts.name ?? `folder:${root}`;
  const abs = path.resolve(root);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new Error(`${name}: folder ${abs} does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`${name}: ${abs} is not a folder`);
  const { files, skipped } = await listImageFiles(abs);
  if (skipped.length > 0) {
    (opts.warn ?? defaultWarn)(
      `${name}: ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} skipped (symbolic-link loops, or a second path to a folder or file already listed), e.g. ${skipped[0].path}: ${skipped[0].reason}`,
    );
  }
  const withLabels = opts.labels === 'from-subfolders';
  let classNames: string[] | undefined;
  let records: ImageRecord[];
  if (withLabels) {
    const rel = files.map((f) => path.relative(abs, f).split(path.sep));
    classNames = [...new Set(rel.filter((parts) => parts.length > 1).map((parts) => parts[0]))].sort(compareCodePoints);
    const classIndex = new Map(classNames.map((c, i) => [c, i]));
    records = [];
    let ignored = 0;
    files.forEach((f, i) => {
      const parts = rel[i];
      if (parts.length < 2) {
        ignored++;
        return;
      }
      records.push({ id: parts.join('/'), path: f, label: classIndex.get(parts[0]) });
    });
    if (ignored > 0) {
      (opts.warn ?? defaultWarn)(`${name}: ${ignored} image(s) directly in the root folder ignored (labels come from sub-folders)`);
    }
  } else {
    records = files.map((f) => ({ id: path.relative(abs, f).split(path.sep).join('/'), path: f }));
  }
  if (records.length === 0) {
    throw new Error(
      `${name}: no image files found under ${abs}${withLabels ? ' in class sub-folders' : ''} (expected ${IMAGE_EXTENSIONS.join(' ')})`,
    );
  }
  const format = opts.format ?? {};
  return { name, records, classNames, skipped, fileFormat: format, load: (i) => decodeImageFile(records[i].path!, format) };
}

/**
 * The walk: directory symlinks are followed, but every real directory (device:inode) is entered at
 * most once, so a `self -> .` link cannot repeat or explode the walk, and every real file is listed
 * once (the first path in walk order wins). What is left out is returned in `skipped`, with why.
 * Shared by every source that walks a folder (`folder:`, `voc:`), so all follow the same rules.
 */
export async function listImageFiles(root: string): Promise<{ files: string[]; skipped: RejectedImage[] }> {
  const files: string[] = [];
  const skipped: RejectedImage[] = [];
  const dirs = new Map<string, string>();
  const seenFiles = new Map<string, string>();
  const key = (s: Stats) => `${s.dev}:${s.ino}`;
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  dirs.set(key(await stat(root)), root);
  const walk = async (d: string): Promise<void> => {
    const entries: Dirent[] = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => compareCodePoints(a.name, b.name));
    const wanted = (e: Dirent) => e.isDirectory() || e.isSymbolicLink() || (e.isFile() && isImageName(e.name));
    const stats = await Promise.all(
      entries.map((e) =>
        wanted(e)
          ? stat(path.join(d, e.name)).then(
              (s) => s,
              (err: NodeJS.ErrnoException) => err,
            )
          : undefined,
      ),
    );
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const s = stats[i];
      if (s === undefined) continue;
      const full = path.join(d, e.name);
      if (s instanceof Error) {
        if (e.isSymbolicLink() && s.code === 'ELOOP') skipped.push({ id: rel(full), path: full, reason: 'symbolic-link loop (ELOOP)' });
        continue; // a dangling link or a vanished entry: not an image
      }
      if (s.isDirectory()) {
        const first = dirs.get(key(s));
        if (first !== undefined) {
          const loop = first === d || isAncestor(first, d);
          skipped.push({ id: rel(full), path: full, reason: `${loop ? 'symbolic-link loop' : 'second path'} to the folder ${first}, already walked` });
          continue;
        }
        dirs.set(key(s), full);
        await walk(full);
      } else if (s.isFile() && isImageName(e.name)) {
        const first = seenFiles.get(key(s));
        if (first !== undefined) {
          skipped.push({ id: rel(full), path: full, reason: `same file as ${first}, already listed` });
          continue;
        }
        seenFiles.set(key(s), full);
        files.push(full);
      }
    }
  };
  await walk(root);
  return { files, skipped };
}

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

function isAncestor(parent: string, child: string): boolean {
  const r = path.relative(parent, child);
  return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function defaultWarn(msg: string): void {
  process.stderr.write(`warning: ${msg}\n`);
}
