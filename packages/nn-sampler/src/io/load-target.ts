import { normalizeRows, type EmbeddingMatrix } from '../embedding-matrix.js';
import { rowAnnotation, type RowAnnotation } from '../report/annotation-mix.js';
import type { FeatureSource } from '../search/feature-source.js';
import { checkRows } from './check-rows.js';

/** The target DB, whole in memory (it is the small side), with unit-length rows. */
export interface LoadedTarget {
  readonly matrix: EmbeddingMatrix;
  readonly ids: string[];
  readonly paths: (string | null)[];
  /** −1 where unknown. */
  readonly labels: Int32Array;
  readonly hasLabels: boolean;
  /**
   * Per row its annotation (object classes, metadata; null where none), when the feature file has
   * the annotation columns (an annotated DB such as `voc:`); null otherwise.
   */
  readonly annotations: (RowAnnotation | null)[] | null;
}

export async function loadTarget(src: FeatureSource): Promise<LoadedTarget> {
  const parts: Float32Array[] = [];
  const ids: string[] = [];
  const paths: (string | null)[] = [];
  const labels: number[] = [];
  let annotations: (RowAnnotation | null)[] | null = null;
  const seen = new Set<string>();
  for await (const b of src.batches()) {
    checkRows(src.name, b.embeddings, b.dim, b.rowOffset);
    for (let r = 0; r < b.ids.length; r++) {
      if (seen.has(b.ids[r])) throw new RangeError(`${src.name}: row ${b.rowOffset + r}: duplicate id "${b.ids[r]}"`);
      seen.add(b.ids[r]);
      ids.push(b.ids[r]);
      paths.push(b.paths[r]);
      labels.push(b.labels[r] ?? -1);
    }
    if (b.objects || b.meta) {
      annotations ??= new Array<RowAnnotation | null>(b.rowOffset).fill(null);
      for (let r = 0; r < b.ids.length; r++) annotations.push(rowAnnotation(b.objects?.[r], b.meta?.[r]));
    }
    parts.push(Float32Array.from(b.embeddings));
  }
  if (ids.length === 0) throw new RangeError(`${src.name}: the target DB is empty (no rows)`);
  const data = new Float32Array(ids.length * src.dim);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  const lab = Int32Array.from(labels);
  return {
    matrix: normalizeRows({ rows: ids.length, dim: src.dim, data }),
    ids,
    paths,
    labels: lab,
    hasLabels: lab.every((v) => v >= 0),
    annotations,
  };
}
