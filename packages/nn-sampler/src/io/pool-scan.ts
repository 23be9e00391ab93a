import type { Rng } from '@twindb/core-tensors';
import { normalizeRows, type EmbeddingMatrix } from '../embedding-matrix.js';
import { AnnotationTally, rowAnnotation, type RowAnnotation } from '../report/annotation-mix.js';
import type { FeatureSource } from '../search/feature-source.js';
import type { PoolBlock } from '../search/exact-search.js';
import { checkRows } from './check-rows.js';

/** What one streaming pass over the pool shards learns besides the search itself. */
export interface PoolScan {
  readonly rows: number;
  /** Global row of each shard's first row. */
  readonly shardOffsets: number[];
  /** −1 where unknown. */
  readonly labels: Int32Array;
  readonly hasLabels: boolean;
  /** A uniform random sample of pool rows (reservoir), unit-length, with their global rows. */
  readonly sample: EmbeddingMatrix;
  readonly sampleRows: Int32Array;
  /**
   * Pools with annotation columns (in any shard) only: the counts over every pool row, and the
   * annotation of each sampled row (null where none); null otherwise.
   */
  readonly annotations: AnnotationTally | null;
  readonly sampleAnnotations: (RowAnnotation | null)[] | null;
}

/**
 * Streams every shard once, in order, handing each block (unit-length rows, global offset) to
 * `onBlock`; refuses bad rows and ids repeated anywhere in the pool, naming shard and row.
 */
export async function scanPool(
  shards: readonly FeatureSource[],
  onBlock: (block: PoolBlock) => Promise<void>,
  sampleSize: number,
  rng: Rng,
): Promise<PoolScan> {
  const total = shards.reduce((s, x) => s + x.rows, 0);
  const dim = shards[0].dim;
  const labels = new Int32Array(total).fill(-1);
  const seen = new Map<string, string>();
  const cap = Math.min(sampleSize, total);
  const sample = new Float32Array(cap * dim);
  const sampleRows = new Int32Array(cap);
  const shardOffsets: number[] = [];
  const tally = new AnnotationTally();
  const sampleAnnotations = new Array<RowAnnotation | null>(cap).fill(null);
  let annotated = false;
  let offset = 0;
  let hasLabels = true;
  for (const shard of shards) {
    shardOffsets.push(offset);
    let local = 0;
    for await (const b of shard.batches()) {
      checkRows(shard.name, b.embeddings, b.dim, b.rowOffset);
      for (let r = 0; r < b.ids.length; r++) {
        const prev = seen.get(b.ids[r]);
        if (prev !== undefined) {
          throw new RangeError(`${shard.name}: row ${b.rowOffset + r}: duplicate id "${b.ids[r]}" (also in ${prev})`);
        }
        seen.set(b.ids[r], shard.name);
        const l = b.labels[r];
        if (l === null || l === undefined) hasLabels = false;
        else labels[offset + local + r] = l;
      }
      const m = normalizeRows({ rows: b.ids.length, dim, data: b.embeddings });
      await onBlock({ offset: offset + local, embeddings: m.data });
      if (b.objects || b.meta) annotated = true;
      for (let r = 0; r < m.rows; r++) {
        const g = offset + local + r;
        const a = b.objects || b.meta ? rowAnnotation(b.objects?.[r], b.meta?.[r]) : null;
        tally.add(a);
        // Reservoir sampling (Algorithm R): every row ends in the sample with the same chance.
        const slot = g < cap ? g : rng.int(g + 1);
        if (slot < cap) {
          sample.set(m.data.subarray(r * dim, (r + 1) * dim), slot * dim);
          sampleRows[slot] = g;
          sampleAnnotations[slot] = a;
        }
      }
      local += b.ids.length;
    }
    if (local !== shard.rows) throw new RangeError(`${shard.name}: read ${local} rows, expected ${shard.rows}`);
    offset += local;
  }
  return {
    rows: total,
    shardOffsets,
    labels,
    hasLabels: hasLabels && total > 0,
    sample: { rows: cap, dim, data: sample },
    sampleRows,
    annotations: annotated ? tally : null,
    sampleAnnotations: annotated ? sampleAnnotations : null,
  };
}

/** Selected pool rows, gathered in a second pass: embeddings (unit-length), ids, paths, labels. */
export interface GatheredRows {
  readonly rows: Int32Array;
  readonly matrix: EmbeddingMatrix;
  readonly ids: string[];
  readonly paths: (string | null)[];
  readonly labels: (number | null)[];
  /** Per gathered row its annotation (null where none, and for pools without annotation columns). */
  readonly annotations: (RowAnnotation | null)[];
}

export async function gatherRows(shards: readonly FeatureSource[], wanted: Int32Array): Promise<GatheredRows> {
  const rows = Int32Array.from(wanted).sort();
  const dim = shards[0].dim;
  const pos = new Map<number, number>();
  rows.forEach((g, i) => pos.set(g, i));
  const data = new Float32Array(rows.length * dim);
  const ids = new Array<string>(rows.length);
  const paths = new Array<string | null>(rows.length);
  const labels = new Array<number | null>(rows.length);
  const annotations = new Array<RowAnnotation | null>(rows.length).fill(null);
  let offset = 0;
  for (const shard of shards) {
    for await (const b of shard.batches()) {
      const n = b.ids.length;
      for (let r = 0; r < n; r++) {
        const i = pos.get(offset + b.rowOffset + r);
        if (i === undefined) continue;
        data.set(b.embeddings.subarray(r * dim, (r + 1) * dim), i * dim);
        ids[i] = b.ids[r];
        paths[i] = b.paths[r];
        labels[i] = b.labels[r] ?? null;
        if (b.objects || b.meta) annotations[i] = rowAnnotation(b.objects?.[r], b.meta?.[r]);
      }
    }
    offset += shard.rows;
  }
  return { rows, matrix: normalizeRows({ rows: rows.length, dim, data }), ids, paths, labels, annotations };
}
