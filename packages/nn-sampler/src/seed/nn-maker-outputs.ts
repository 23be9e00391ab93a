import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { NeighborLists } from '../search/neighbor-lists.js';
import { encodeNpyInt64 } from './npy.js';

/** With --near_db: the listed names that have no `Annotations/<name>.xml`, one per line. */
export const MISSING_ANNOTATIONS_FILE = 'missing-annotations.txt';

/** What the seed's outputs hold, per K (report.json `nnMaker.imageSets`). */
export interface NnMakerImageSet {
  k: number;
  /** Distinct pool items in `ImageSets/scan_nn{K}.txt`. */
  items: number;
  imageSet: string;
  npy: string;
}

/** A pool name as the fork writes it into an ImageSet: a `.png` / `.jpg` extension stripped (VOC style). */
export function imageSetName(id: string): string {
  return id.replace(/\.(png|jpg)$/i, '');
}

/** The union of every target's top-K listed pool rows, deduplicated, ascending (the fork's `np.unique`). */
export function imageSetRows(lists: NeighborLists, k: number): Int32Array {
  const set = new Set<number>();
  const kk = Math.min(k, lists.k);
  for (let t = 0; t < lists.queries; t++) {
    for (let j = 0; j < kk; j++) {
      const i = lists.indices[t * lists.k + j];
      if (i >= 0) set.add(i);
    }
  }
  return Int32Array.from(set).sort();
}

/** Rows `[target position, top K + 1 pool rows]` (−1 where the pool has fewer), int64. */
export function neighborNpy(lists: NeighborLists, k: number): Buffer {
  const cols = k + 2;
  const data = new Float64Array(lists.queries * cols);
  for (let t = 0; t < lists.queries; t++) {
    data[t * cols] = t;
    for (let j = 0; j <= k; j++) data[t * cols + 1 + j] = j < lists.k ? lists.indices[t * lists.k + j] : -1;
  }
  return encodeNpyInt64(lists.queries, cols, data);
}

/**
 * Writes, into `dir` (the run's temp output folder), for every K: `ImageSets/scan_nn{K}.txt` and
 * `topk{K}_neighbors_val_from_train.npy`. With a pool DB, checks `Annotations/<name>.xml` for the
 * names listed (the fork's check): every one missing is named in `missing-annotations.txt`, the first
 * 20 also in warnings, then a count.
 */
export async function writeNnMakerOutputs(
  dir: string,
  lists: NeighborLists,
  ks: readonly number[],
  poolId: (row: number) => string,
  poolDb: string | undefined,
  warn: (m: string) => void,
): Promise<{ imageSets: NnMakerImageSet[]; missingAnnotations: number | null; missingAnnotationsFile?: string }> {
  await fs.mkdir(path.join(dir, 'ImageSets'), { recursive: true });
  const imageSets: NnMakerImageSet[] = [];
  let largest: string[] = [];
  for (const k of ks) {
    const names = Array.from(imageSetRows(lists, k), (r) => imageSetName(poolId(r)));
    const imageSet = `ImageSets/scan_nn${k}.txt`;
    const npy = `topk${k}_neighbors_val_from_train.npy`;
    await fs.writeFile(path.join(dir, imageSet), names.length ? `${names.join('\n')}\n` : '');
    await fs.writeFile(path.join(dir, npy), neighborNpy(lists, k));
    imageSets.push({ k, items: names.length, imageSet, npy });
    largest = names;
  }
  let missingAnnotations: number | null = null;
  if (poolDb) {
    const ann = path.join(poolDb, 'Annotations');
    if (!existsSync(ann)) {
      warn(`--near_db ${poolDb} has no Annotations/ folder: the ImageSets' names have no VOC annotations`);
    } else {
      const missing = largest.filter((n) => !existsSync(path.join(ann, `${n}.xml`)));
      missingAnnotations = missing.length;
      if (missing.length > 0) {
        // Every one is listed in the file; the first ones are also warnings (a flood helps no one).
        await fs.writeFile(path.join(dir, MISSING_ANNOTATIONS_FILE), `${missing.join('\n')}\n`);
        const shown = 20;
        for (const n of missing.slice(0, shown)) warn(`no annotation ${path.join(ann, `${n}.xml`)} for the listed image ${n}`);
        if (missing.length > shown) warn(`… and ${missing.length - shown} more listed images without an annotation in ${ann}`);
        warn(`${missing.length} listed image(s) have no annotation in ${ann}: all are named in ${MISSING_ANNOTATIONS_FILE}`);
        return { imageSets, missingAnnotations, missingAnnotationsFile: MISSING_ANNOTATIONS_FILE };
      }
    }
  }
  return { imageSets, missingAnnotations };
}
