import { matrixRows, rowNorms } from './matrix-shape.js';

/** The checked arguments of a cosine top-k, shared by every engine so they reject the same input. */
export interface TopKInput {
  nq: number;
  nc: number;
  /** 1/‖row‖ of every query and corpus row, with 0 for an all-zero row (similarity 0, not NaN). */
  qInv: Float64Array;
  cInv: Float64Array;
  /** The largest cosine distance kept for query q (Infinity: no limit). */
  maxDistanceOf: (q: number) => number;
  queryOffset: number;
  excludeSelf: boolean;
}

export interface TopKInputOptions {
  excludeSelf?: boolean;
  queryOffset?: number;
  maxDistance?: number | Float32Array;
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
  const queryOffset = opts.queryOffset ?? 0;
  if (!Number.isInteger(queryOffset) || queryOffset < 0) {
    throw new RangeError(`${fn}: queryOffset must be a non-negative integer, got ${queryOffset}`);
  }
  const nq = matrixRows(fn, 'queries', queries, dim);
  const nc = matrixRows(fn, 'corpus', corpus, dim);
  const maxDistanceOf = distanceLimits(fn, opts.maxDistance ?? Infinity, nq);
  const qInv = invert(rowNorms(fn, 'queries', queries, dim));
  const cInv = invert(rowNorms(fn, 'corpus', corpus, dim));
  return { nq, nc, qInv, cInv, maxDistanceOf, queryOffset, excludeSelf: opts.excludeSelf === true };
}

/** maxDistance as one number for every query or one per query (e.g. each query's current k-th distance). */
function distanceLimits(fn: string, maxDistance: number | Float32Array, nq: number): (q: number) => number {
  if (typeof maxDistance === 'number') {
    if (Number.isNaN(maxDistance)) throw new RangeError(`${fn}: maxDistance is NaN (expected a number)`);
    return () => maxDistance;
  }
  if (!(maxDistance instanceof Float32Array) || maxDistance.length !== nq) {
    throw new RangeError(`${fn}: maxDistance must be a number or a Float32Array with one value per query (${nq})`);
  }
  const bad = maxDistance.findIndex((d) => Number.isNaN(d));
  if (bad >= 0) throw new RangeError(`${fn}: maxDistance[${bad}] is NaN (expected a number)`);
  return (q) => maxDistance[q];
}

/** 1/x per element, with 0 ↦ 0 so a zero row gets similarity 0 instead of NaN. */
function invert(norms: Float64Array): Float64Array {
  const inv = new Float64Array(norms.length);
  for (let i = 0; i < norms.length; i++) inv[i] = norms[i] === 0 ? 0 : 1 / norms[i];
  return inv;
}
