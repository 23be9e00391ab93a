import { rowNorms } from './matrix-shape.js';

export interface L2NormalizeOptions {
  /** Write into `data` instead of a copy (default false). */
  inPlace?: boolean;
  /**
   * What to do with an all-zero row. 'keep' (default) leaves it all-zero, like PyTorch's
   * `F.normalize` (which divides by max(‖x‖, 1e-12)): its cosine similarity to anything is then 0,
   * i.e. cosine distance 1. 'throw' treats it as bad input (e.g. a dead encoder output).
   */
  zeroVectors?: 'keep' | 'throw';
}

/**
 * Scales every row of a row-major [rows × dim] matrix to unit L2 norm. Norms are computed in float64.
 * Zero rows follow `opts.zeroVectors`; NaN/Inf anywhere is an error naming the row.
 */
export function l2Normalize(data: Float32Array, dim: number, opts: L2NormalizeOptions = {}): Float32Array {
  const norms = rowNorms('l2Normalize', 'data', data, dim);
  const out = opts.inPlace ? data : new Float32Array(data);
  for (let r = 0, o = 0; r < norms.length; r++, o += dim) {
    const n = norms[r];
    if (n === 0) {
      if (opts.zeroVectors === 'throw') {
        throw new RangeError(`l2Normalize: data row ${r} is an all-zero vector and has no direction`);
      }
      continue;
    }
    const inv = 1 / n;
    for (let t = 0; t < dim; t++) out[o + t] *= inv;
  }
  return out;
}
