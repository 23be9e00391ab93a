/**
 * Row checks shared by the writer, the reader and the CSV import. Each returns a description of
 * the problem, or null when the row is fine.
 */

/** Tolerance on |‖x‖₂ − 1| for files that declare `normalized`: far above float32 rounding
 *  (≈1e-7·√dim) yet small enough to catch vectors that were never normalised. */
export const UNIT_NORM_TOLERANCE = 1e-3;

/** Checks `values[offset .. offset+dim)`: finite, and of unit norm when `normalized`. */
export function checkEmbedding(
  values: Float32Array,
  offset: number,
  dim: number,
  normalized: boolean,
): string | null {
  let sq = 0;
  for (let j = 0; j < dim; j++) {
    const v = values[offset + j];
    if (!Number.isFinite(v)) return `embedding[${j}] is ${v}; embeddings must be finite`;
    sq += v * v;
  }
  if (normalized) {
    const norm = Math.sqrt(sq);
    if (!(Math.abs(norm - 1) <= UNIT_NORM_TOLERANCE)) {
      return `embedding has L2 norm ${norm}, but the file declares twindb.normalized=true`;
    }
  }
  return null;
}

/** Label must be null or an int32. */
export function checkLabel(label: unknown): string | null {
  if (label === null || label === undefined) return null;
  if (typeof label === 'number' && Number.isInteger(label) && label >= -0x80000000 && label <= 0x7fffffff) return null;
  return `label ${JSON.stringify(label)} is not an int32 (or null)`;
}

/** Id must be a non-empty string. */
export function checkId(id: unknown): string | null {
  if (typeof id !== 'string') return `id is ${id === null ? 'null' : typeof id}; expected a non-empty string`;
  if (id.length === 0) return 'id is empty; expected a non-empty string';
  return null;
}
