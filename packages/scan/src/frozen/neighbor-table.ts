import { topKCosine, writeFileAtomic } from '@twindb/core-tensors';
import { readFile } from 'node:fs/promises';
import { Field, Float32, Int32, List, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';

/** The reference's neighbour file: per sample its m = k + 1 nearest rows (column 0 ≈ itself). */
export interface NeighborTable {
  /** Row-major [n × m] row indices, most similar first. */
  indices: Int32Array;
  /** Row-major [n × m] cosine distances (1 − cos). */
  distances: Float32Array;
  /** Columns per row (k + 1). */
  m: number;
  n: number;
}

/**
 * Exact cosine top-(k+1) of every row against the same bank (spec §8; as mineNearestNeighbors, with
 * the distances kept for the neighbours file).
 */
export function mineNeighborTable(features: Float32Array, dim: number, k: number): NeighborTable {
  const n = features.length / dim;
  if (!Number.isInteger(k) || k < 1 || n < k + 1) throw new RangeError(`mineNeighborTable: need k ≥ 1 and at least k + 1 = ${k + 1} rows, got k ${k} and ${n} rows`);
  const { indices, distances } = topKCosine(features, features, dim, k + 1);
  return { indices, distances, m: k + 1, n };
}

/** The first `m` columns of a table (the val table from a wider train table on the same DB). */
export function narrowNeighborTable(t: NeighborTable, m: number): NeighborTable {
  if (m > t.m) throw new RangeError(`narrowNeighborTable: ${m} columns requested from a table of ${t.m}`);
  const indices = new Int32Array(t.n * m);
  const distances = new Float32Array(t.n * m);
  for (let i = 0; i < t.n; i++) {
    indices.set(t.indices.subarray(i * t.m, i * t.m + m), i * m);
    distances.set(t.distances.subarray(i * t.m, i * t.m + m), i * m);
  }
  return { indices, distances, m, n: t.n };
}

/** neighbors.arrow: id, neighbour ids, neighbour row indices and cosine distances (column 0 = self). */
export async function writeNeighborsArrow(file: string, t: NeighborTable, ids: readonly string[]): Promise<void> {
  const nbIds: string[][] = [];
  const nbIdx: number[][] = [];
  const dists: number[][] = [];
  for (let i = 0; i < t.n; i++) {
    const row = Array.from(t.indices.subarray(i * t.m, (i + 1) * t.m));
    nbIdx.push(row);
    nbIds.push(row.map((j) => ids[j]));
    dists.push(Array.from(t.distances.subarray(i * t.m, (i + 1) * t.m)));
  }
  const table = new Table({
    id: vectorFromArray(ids as string[], new Utf8()),
    neighbor_ids: vectorFromArray(nbIds, new List(new Field('item', new Utf8(), false))),
    neighbor_rows: vectorFromArray(nbIdx, new List(new Field('item', new Int32(), false))),
    distances: vectorFromArray(dists, new List(new Field('item', new Float32(), false))),
  });
  await writeFileAtomic(file, tableToIPC(table, 'file'));
}

/** Reads a neighbours file written by {@link writeNeighborsArrow}: the table and the row ids. */
export async function readNeighborsArrow(file: string): Promise<{ table: NeighborTable; ids: string[] }> {
  const t = tableFromIPC(await readFile(file));
  const ids = (t.getChild('id')!.toArray() as unknown[]).map(String);
  const rows = t.getChild('neighbor_rows')!;
  const dists = t.getChild('distances')!;
  const n = t.numRows;
  const m = n ? (rows.get(0) as { length: number }).length : 0;
  const indices = new Int32Array(n * m);
  const distances = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    indices.set(Int32Array.from(rows.get(i) as Iterable<number>), i * m);
    distances.set(Float32Array.from(dists.get(i) as Iterable<number>), i * m);
  }
  return { table: { indices, distances, m, n }, ids };
}
