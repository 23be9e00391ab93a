import { matrixRows, rowNorms } from './matrix-shape.js';

/** The checked arguments of a cosine top-k, shared by every engine so they reject the same input. */
export interface TopKInput {
  nq: number;
  nc: number;
  /** 1/‖row‖ of every query and corpus row, with 0 for an all-zero row (similarity 0, not NaN). */
  qInv: Float64Array;
  cInv: Float64Array;
  maxDistance: number;
  queryOffset: number;
  excludeSelf: boolean;
}

export interface TopKInputOptions {
  excludeSelf?: boolean;
  queryOffset?: number;
  maxDistance?: number;
}

/** Validates the arguments of `fn` and computes the inverse row norms; errors name `fn` and the bad value. */
export function checkTopKInput(
  fn: string,
  queries: Float32Array,
  corpus: Float32Array,
  dim: number,
  k: number,
  opts: TopKInputOptions,
): TopKInput {
  if (!(queries instanceof Float32Array) || !(corpus instanceof Float32Array)) {
    throw new TypeError(`${fn}: queries and corpus must be Float32Array (row-major [rows × dim])`);
  }
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`${fn}: k must be a positive integer, got ${k}`);
  const maxDistance = opts.maxDistance ?? Infinity;
  if (Number.isNaN(maxDistance)) throw new RangeError(`${fn}: maxDistance is NaN (expected a number)`);
  const queryOffset = opts.queryOffset ?? 0;
  if (!Number.isInteger(queryOffset) || queryOffset < 0) {
    throw new RangeError(`${fn}: queryOffset must be a non-negative integer, got ${queryOffset}`);
  }
  const nq = matrixRows(fn, 'queries', queries, dim);
  const nc = matrixRows(fn, 'corpus', corpus, dim);
  const qInv = invert(rowNorms(fn, 'queries', queries, dim));
  const cInv = invert(rowNorms(fn, 'corpus', corpus, dim));
  return { nq, nc, qInv, cInv, maxDistance, queryOffset, excludeSelf: opts.excludeSelf === true };
}

/** 1/x per element, with 0 ↦ 0 so a zero row gets similarity 0 instead of NaN. */
function invert(norms: Float64Array): Float64Array {
  const inv = new Float64Array(norms.length);
  for (let i = 0; i < norms.length; i++) inv[i] = norms[i] === 0 ? 0 : 1 / norms[i];
  return inv;
}
