/** Refuses NaN/±Inf and all-zero rows (no direction, so no cosine distance), naming file and row. */
export function checkRows(name: string, embeddings: Float32Array, dim: number, rowOffset: number): void {
  const rows = embeddings.length / dim;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const v = embeddings[r * dim + j];
      if (!Number.isFinite(v)) throw new RangeError(`${name}: row ${rowOffset + r}: embedding value ${j} is ${v} (expected a finite number)`);
      s += v * v;
    }
    if (s === 0) throw new RangeError(`${name}: row ${rowOffset + r}: embedding is all zeros (no direction for cosine distance)`);
  }
}
