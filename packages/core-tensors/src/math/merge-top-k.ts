import { heapDrainSorted, heapOffer } from './nearest-heap.js';
import type { TopKResult } from './top-k-cosine.js';

/** One shard's (or corpus chunk's) top-k lists for the same queries. */
export interface TopKPart {
  /** Row-major [nQueries × kPart] indices into this part's rows (−1 = none), as `topKCosine` returns. */
  indices: Int32Array;
  /** Row-major [nQueries × kPart] distances matching `indices`. */
  distances: Float32Array;
  /** Global corpus index of this part's row 0 (default 0): global index = offset + local index. */
  offset?: number;
}

/**
 * Merges per-part top-k lists of the same queries into the global top-k, ordered by (distance,
 * global index) like `topKCosine`, padded with −1 / Infinity.
 *
 * The merge is exact — equal to one search over the union — when the parts cover disjoint corpus
 * rows and each part holds its own exact top-kPart with kPart ≥ k (or all its rows). Parts may
 * have different widths kPart; entries need not be sorted.
 */
export function mergeTopK(parts: readonly TopKPart[], nQueries: number, k: number): TopKResult {
  const fn = 'mergeTopK';
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`${fn}: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(nQueries) || nQueries < 0) {
    throw new RangeError(`${fn}: nQueries must be a non-negative integer, got ${nQueries}`);
  }
  const widths = parts.map((p, i) => partWidth(fn, p, i, nQueries));
  const offsets = parts.map((p, i) => {
    const off = p.offset ?? 0;
    if (!Number.isInteger(off) || off < 0) throw new RangeError(`${fn}: part ${i} offset must be a non-negative integer, got ${off}`);
    return off;
  });

  const indices = new Int32Array(nQueries * k);
  const distances = new Float32Array(nQueries * k);
  const heapDist = new Float64Array(k);
  const heapIdx = new Int32Array(k);
  for (let q = 0; q < nQueries; q++) {
    let size = 0;
    for (let p = 0; p < parts.length; p++) {
      const w = widths[p];
      const { indices: pi, distances: pd } = parts[p];
      for (let j = q * w, end = j + w; j < end; j++) {
        const local = pi[j];
        if (local < 0) continue;
        const d = pd[j];
        if (Number.isNaN(d)) throw new RangeError(`${fn}: part ${p} query ${q} has distance NaN at rank ${j - q * w}`);
        size = heapOffer(heapDist, heapIdx, 0, size, k, d, offsets[p] + local);
      }
    }
    heapDrainSorted(heapDist, heapIdx, 0, size, k, indices, distances, q * k);
  }
  return { indices, distances };
}

function partWidth(fn: string, part: TopKPart, i: number, nQueries: number): number {
  if (!(part.indices instanceof Int32Array) || !(part.distances instanceof Float32Array)) {
    throw new TypeError(`${fn}: part ${i} must have indices: Int32Array and distances: Float32Array`);
  }
  if (part.indices.length !== part.distances.length) {
    throw new RangeError(
      `${fn}: part ${i} has ${part.indices.length} indices but ${part.distances.length} distances (expected equal lengths)`,
    );
  }
  if (nQueries === 0) return 0;
  if (part.indices.length % nQueries !== 0) {
    throw new RangeError(
      `${fn}: part ${i} length ${part.indices.length} is not a multiple of nQueries ${nQueries} (expected [nQueries × kPart])`,
    );
  }
  return part.indices.length / nQueries;
}
