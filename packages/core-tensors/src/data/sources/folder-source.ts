import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
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
  const files = await listImageFiles(abs);
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
  return { name, records, classNames, load: (i) => decodeImageFile(records[i].path!, format) };
}

async function listImageFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries: Dirent[] = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => compareCodePoints(a.name, b.name));
    for (const e of entries) {
      const full = path.join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const s = await stat(full).catch(() => null);
        isDir = !!s?.isDirectory();
        isFile = !!s?.isFile();
      }
      if (isDir) await walk(full);
      else if (isFile && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) out.push(full);
    }
  };
  await walk(dir);
  return out;
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function defaultWarn(msg: string): void {
  process.stderr.write(`warning: ${msg}\n`);
}
