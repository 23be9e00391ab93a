import path from 'node:path';
import { imageGrid, openImageSource, writeImageFile, type ImageU8 } from '@twindb/core-tensors/data';
import { readPredictions } from './read-predictions.js';

export interface PrototypeGridInput {
  /** The PNG to write (atomically). */
  file: string;
  /** The DB the rows' ids come from (a DB spec); rows whose id it does not hold are left out. */
  db: unknown;
  ids: readonly string[];
  cluster: Int32Array;
  confidence: Float32Array;
  numClusters: number;
  /** Images per cluster (one row each), the most confident first. */
  perCluster?: number;
}

/**
 * The reference's prototypes (§9.5), as one picture: row c holds the `perCluster` most confident
 * images of cluster c, so a person sees at a glance what each cluster stands for. Returns the number
 * of images drawn per cluster, or null when the DB holds none of the ids (e.g. features of another DB).
 */
export async function writePrototypeGrid(i: PrototypeGridInput): Promise<number[] | null> {
  const per = i.perCluster ?? 10;
  const source = await openImageSource(i.db, { format: { channels: 3, size: 48, fit: 'pad' } });
  const index = new Map(source.records.map((r, k) => [r.id, k]));
  const rows: number[][] = Array.from({ length: i.numClusters }, () => []);
  const order = Array.from(i.ids.keys()).sort((a, b) => i.confidence[b] - i.confidence[a]);
  for (const r of order) {
    const c = i.cluster[r];
    if (c >= 0 && c < i.numClusters && rows[c].length < per && index.has(i.ids[r])) rows[c].push(index.get(i.ids[r])!);
  }
  if (rows.every((r) => r.length === 0)) return null;
  const blank: ImageU8 = { width: 48, height: 48, channels: 3, data: new Uint8Array(48 * 48 * 3).fill(255) };
  const cells: ImageU8[] = [];
  for (const row of rows) {
    for (let k = 0; k < per; k++) cells.push(k < row.length ? await source.load(row[k]).catch(() => blank) : blank);
  }
  await writeImageFile(imageGrid(cells, per), i.file);
  return rows.map((r) => r.length);
}

/** `<out>/prototypes.png` from `<out>/predictions.csv`: what each cluster of a finished run looks like. */
export async function writeRunPrototypes(out: string, db: unknown, numClusters: number, perCluster = 10): Promise<{ file: string; perCluster: number[] } | null> {
  const p = await readPredictions(path.join(out, 'predictions.csv'));
  const file = path.join(out, 'prototypes.png');
  const drawn = await writePrototypeGrid({ file, db, ids: p.ids, cluster: p.cluster, confidence: p.confidence, numClusters, perCluster });
  return drawn ? { file, perCluster: drawn } : null;
}
