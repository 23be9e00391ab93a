/**
 * Shape checks shared by the row-major matrix functions. A matrix here is a flat typed array plus
 * an explicit `dim`, so the row count is derived and every caller must agree on it.
 */

/** Number of rows of a row-major `data` with `dim` columns; throws a message naming `fn` and `name`. */
export function matrixRows(fn: string, name: string, data: ArrayLike<number>, dim: number): number {
  if (!Number.isInteger(dim) || dim <= 0) {
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  }
  if (data.length % dim !== 0) {
    throw new RangeError(
      `${fn}: ${name}.length ${data.length} is not a multiple of dim ${dim} (expected a row-major [rows × ${dim}] matrix)`,
    );
  }
  return data.length / dim;
}

/**
 * Euclidean norm of every row, accumulated in float64. Throws on NaN/±Inf naming the first bad row,
 * because one non-finite embedding silently poisons every distance it takes part in.
 */
export function rowNorms(fn: string, name: string, data: ArrayLike<number>, dim: number): Float64Array {
  const rows = matrixRows(fn, name, data, dim);
  const norms = new Float64Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let s = 0;
    for (let t = 0; t < dim; t++) {
      const v = data[o + t];
      s += v * v;
    }
    if (!Number.isFinite(s)) {
      let col = 0;
      while (col < dim && Number.isFinite(data[o + col])) col++;
      throw new RangeError(`${fn}: ${name} row ${r} column ${col} is ${data[o + col]} (expected a finite number)`);
    }
    norms[r] = Math.sqrt(s);
  }
  return norms;
}
