import { createHash } from 'node:crypto';
import { FeatureFileError, InputDataError, loadFeatures, type FeatureMetadata } from '@twindb/core-tensors';

/** A whole feature file in memory, as the frozen-feature steps use it. */
export interface FeatureSet {
  file: string;
  meta: FeatureMetadata;
  rows: number;
  dim: number;
  ids: string[];
  paths: (string | null)[];
  /** Ground-truth class per row, −1 where unknown. */
  labels: Int32Array;
  /** Rows with a known label. */
  labelled: number;
  /** Row-major rows × dim. */
  embeddings: Float32Array;
  /** sha256 (16 hex) of the embeddings and ids: part of the checkpoint identity. */
  digest: string;
}

/**
 * Loads an Arrow feature file (`twindb extract`'s output). Any problem with the file is an
 * InputDataError (exit 3) naming the option (`key`) and the file.
 */
export async function loadFeatureSet(file: string, key: string): Promise<FeatureSet> {
  let f;
  try {
    f = await loadFeatures(file);
  } catch (err) {
    const msg = err instanceof FeatureFileError || err instanceof Error ? err.message : String(err);
    throw new InputDataError(`${key}: cannot use feature file ${file}: ${msg}`, { cause: err });
  }
  if (f.rows === 0) throw new InputDataError(`${key}: feature file ${file} has no rows`);
  for (let i = 0; i < f.embeddings.length; i++) {
    if (!Number.isFinite(f.embeddings[i])) {
      const row = Math.floor(i / f.dim);
      throw new InputDataError(`${key}: feature file ${file} row ${row} (id "${f.ids[row]}") has a non-finite value`);
    }
  }
  const labels = new Int32Array(f.rows);
  let labelled = 0;
  for (let i = 0; i < f.rows; i++) {
    const l = f.labels[i];
    labels[i] = l === null || l === undefined || l < 0 ? -1 : l;
    if (labels[i] >= 0) labelled++;
  }
  const h = createHash('sha256');
  h.update(new Uint8Array(f.embeddings.buffer, f.embeddings.byteOffset, f.embeddings.byteLength));
  h.update(f.ids.join('\n'));
  return { file, meta: f.meta, rows: f.rows, dim: f.dim, ids: f.ids, paths: f.paths, labels, labelled, embeddings: f.embeddings, digest: h.digest('hex').slice(0, 16) };
}

/** Per-dimension mean and std of the training features (float64 sums, stored as float32). */
export interface Standardization {
  mean: Float32Array;
  std: Float32Array;
}

/** Mean and (population) std per dimension; a constant dimension gets std 1 so it maps to 0. */
export function computeStandardization(x: Float32Array, dim: number): Standardization {
  const n = x.length / dim;
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sum[j] += x[i * dim + j];
  const mean = new Float32Array(dim);
  for (let j = 0; j < dim; j++) mean[j] = sum[j] / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const d = x[i * dim + j] - sum[j] / n;
      sq[j] += d * d;
    }
  }
  const std = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    const s = Math.sqrt(sq[j] / n);
    std[j] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

/** (x − mean) / std per dimension, into a new array. */
export function applyStandardization(x: Float32Array, s: Standardization): Float32Array {
  const dim = s.mean.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % dim;
    out[i] = (x[i] - s.mean[j]) / s.std[j];
  }
  return out;
}
