/**
 * A block of embeddings held as one row-major Float32Array: the layout every search kernel and
 * metric here reads, so that no conversion happens inside hot loops.
 */
export interface EmbeddingMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
}

export function embeddingMatrix(data: Float32Array, dim: number): EmbeddingMatrix {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`embedding dim must be a positive integer, got ${dim}`);
  if (data.length % dim !== 0) {
    throw new RangeError(`embedding data length ${data.length} is not a multiple of dim ${dim}`);
  }
  return { rows: data.length / dim, dim, data };
}

/** Rows `idx` of `m`, copied into a new matrix (in the order given). */
export function takeRows(m: EmbeddingMatrix, idx: ArrayLike<number>): EmbeddingMatrix {
  const out = new Float32Array(idx.length * m.dim);
  for (let i = 0; i < idx.length; i++) out.set(m.data.subarray(idx[i] * m.dim, (idx[i] + 1) * m.dim), i * m.dim);
  return { rows: idx.length, dim: m.dim, data: out };
}

/** Rows concatenated in order (shards → one matrix). */
export function concatRows(parts: readonly EmbeddingMatrix[]): EmbeddingMatrix {
  if (parts.length === 0) throw new RangeError('concatRows: no parts');
  const dim = parts[0].dim;
  let rows = 0;
  for (const p of parts) {
    if (p.dim !== dim) throw new RangeError(`concatRows: dim ${p.dim} differs from ${dim}`);
    rows += p.rows;
  }
  const data = new Float32Array(rows * dim);
  let off = 0;
  for (const p of parts) {
    data.set(p.data, off);
    off += p.data.length;
  }
  return { rows, dim, data };
}

/** Unit-L2 copies of the rows (zero rows stay zero); cosine distance is then 1 − dot. */
export function normalizeRows(m: EmbeddingMatrix): EmbeddingMatrix {
  const { rows, dim, data } = m;
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[o + j] * data[o + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) out[o + j] = data[o + j] * inv;
  }
  return { rows, dim, data: out };
}

/** Index of the first row holding NaN or ±Infinity, or −1. */
export function firstNonFiniteRow(m: EmbeddingMatrix): number {
  const { data, dim } = m;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return Math.floor(i / dim);
  return -1;
}
