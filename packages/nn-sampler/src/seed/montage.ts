import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeImageFile, encodeImage, type ImageU8 } from '@twindb/core-tensors/data';
import type { NeighborLists } from '../search/neighbor-lists.js';
import { imageSetName } from './nn-maker-outputs.js';

/** The fork's strip cell: every image resized (stretched) to 236×236. */
export const MONTAGE_CELL = 236;
/** Where the strips go inside the output folder. */
export const MONTAGE_FOLDER = 'montage';
/** JPEG quality of the strips (OpenCV's imwrite default). */
const JPEG_QUALITY = 95;

/** One image of a strip: its feature-file id and path. */
export interface MontageImage {
  id: string;
  path: string | null;
}

/** report.json `nnMaker.montage`. */
export interface MontageReport {
  folder: string;
  /** Strip files, relative to the output folder, in kept-target order. */
  files: string[];
  /** Neighbours per strip (the target comes first). */
  k: number;
  /** Cells left grey because their image was not found or could not be read (each one also a warning). */
  missingImages: number;
}

/**
 * The image file of a feature row: its path (absolute, or relative to the DB root, else to the
 * working folder), or in a VOC-layout root `JPEGImages/<id>` with or without a `.jpg` / `.png`
 * extension (the fork's CSV names are image names). Null when none exists.
 */
export function montageImageFile(img: MontageImage, root: string | undefined): string | null {
  const candidates: string[] = [];
  if (img.path) candidates.push(path.isAbsolute(img.path) ? img.path : path.resolve(root ?? '.', img.path));
  if (root) for (const ext of ['', '.jpg', '.png']) candidates.push(path.join(root, 'JPEGImages', `${img.id}${ext}`));
  return candidates.find((f) => existsSync(f)) ?? null;
}

/** `nn_<i><name>.jpg`: i = the target's position among the kept targets, name = its id without .png/.jpg. */
export function montageFileName(i: number, targetId: string): string {
  // eslint-disable-next-line no-control-regex
  const name = imageSetName(targetId).replace(/[/\\\x00-\x1f]/g, '_');
  return `nn_${i}${name}.jpg`;
}

/**
 * The fork's neighbour strips (`--montage N`): for each of the first N kept targets, the target
 * image then its K nearest pool images, each resized to 236×236, side by side, as one JPEG
 * `montage/nn_<i><name>.jpg` inside `dir`. An image that cannot be found or read becomes a grey
 * cell and a warning naming it; it never stops the run.
 */
export async function writeMontages(
  dir: string,
  o: {
    count: number;
    k: number;
    lists: NeighborLists;
    target: (t: number) => MontageImage;
    pool: (row: number) => MontageImage;
    targetDb: string | undefined;
    poolDb: string | undefined;
    warn: (m: string) => void;
  },
): Promise<MontageReport> {
  const n = Math.min(o.count, o.lists.queries);
  const k = Math.min(o.k, o.lists.k);
  await fs.mkdir(path.join(dir, MONTAGE_FOLDER), { recursive: true });
  const files: string[] = [];
  let missingImages = 0;
  const cell = async (img: MontageImage | null, root: string | undefined, what: string): Promise<ImageU8 | null> => {
    if (!img) return null; // the pool has fewer than K rows
    const file = montageImageFile(img, root);
    if (!file) {
      missingImages++;
      o.warn(`montage: no image file for the ${what} ${JSON.stringify(img.id)} (path ${JSON.stringify(img.path)}${root ? `, DB root ${root}` : ''}); its cell is grey`);
      return null;
    }
    try {
      return await decodeImageFile(file, { size: [MONTAGE_CELL, MONTAGE_CELL], fit: 'stretch', channels: 3 });
    } catch (err) {
      missingImages++;
      o.warn(`montage: cannot read ${file} (the ${what} ${JSON.stringify(img.id)}): ${(err as Error).message}; its cell is grey`);
      return null;
    }
  };
  for (let t = 0; t < n; t++) {
    const target = o.target(t);
    const cells = [await cell(target, o.targetDb, 'target')];
    for (let j = 0; j < k; j++) {
      const row = o.lists.indices[t * o.lists.k + j];
      cells.push(await cell(row >= 0 ? o.pool(row) : null, o.poolDb, 'pool item'));
    }
    const file = path.join(MONTAGE_FOLDER, montageFileName(t, target.id));
    await fs.writeFile(path.join(dir, file), await encodeImage(strip(cells), 'jpeg', { quality: JPEG_QUALITY }));
    files.push(file);
  }
  return { folder: MONTAGE_FOLDER, files, k, missingImages };
}

/** Cells side by side (grey where null), each MONTAGE_CELL square. */
function strip(cells: readonly (ImageU8 | null)[]): ImageU8 {
  const s = MONTAGE_CELL;
  const width = s * cells.length;
  const data = new Uint8Array(width * s * 3).fill(128);
  cells.forEach((c, i) => {
    if (!c) return;
    for (let y = 0; y < s; y++) data.set(c.data.subarray(y * s * 3, (y + 1) * s * 3), (y * width + i * s) * 3);
  });
  return { width, height: s, channels: 3, data };
}
