import { heapDrainSorted, heapOffer } from './nearest-heap.js';
import { similarityTile } from './similarity-tile.js';
import { checkTopKInput } from './top-k-input.js';

export interface TopKCosineOptions {
  /**
   * Skip corpus row `queryOffset + q` for query row q: use when the queries are (a slice of) the
   * corpus itself, e.g. mining a sample's neighbours without the sample. Exact duplicates at other
   * indices are still returned (at distance 0).
   */
  excludeSelf?: boolean;
  /** Corpus index of query row 0, for `excludeSelf` when the queries are a slice of the corpus (default 0). */
  queryOffset?: number;
  /**
   * Keep only neighbours with cosine distance ≤ maxDistance (default: no limit): one number for
   * every query, or one per query (a Float32Array of nQueries), e.g. each query's k-th distance
   * so far when a corpus is searched block by block.
   */
  maxDistance?: number | Float32Array;
  /** Corpus rows per block (default: about 32 KB of float32 rows, at least 16). Affects speed only. */
  blockSize?: number;
}

export interface TopKResult {
  /** Row-major [nQueries × k] corpus row indices, nearest first; -1 where fewer than k qualify. */
  indices: Int32Array;
  /** Row-major [nQueries × k] cosine distances (1 − cos, in [0, 2]); Infinity where the index is -1. */
  distances: Float32Array;
}

/** Query rows per block: the similarity tile (QUERY_BLOCK × blockSize float64) stays in L1/L2. */
const QUERY_BLOCK = 16;

/**
 * Exact k nearest corpus rows of every query row by cosine distance (brute force, no index).
 *
 * Inputs need not be normalised: similarities are divided by both row norms, and an all-zero row
 * has similarity 0 to everything (distance 1), as in `l2Normalize`/`cosineDistance`. Work goes
 * query block × corpus block, so memory is O(QUERY_BLOCK · blockSize + nQueries · k) whatever the
 * corpus size. Ties are broken by the lower corpus index; distances are compared after rounding to
 * float32, so the reported order is exactly (distance, index).
 */
export function topKCosine(
  queries: Float32Array,
  corpus: Float32Array,
  dim: number,
  k: number,
  opts: TopKCosineOptions = {},
): TopKResult {
  const fn = 'topKCosine';
  const { nq, nc, qInv, cInv, maxDistanceOf, queryOffset, excludeSelf } = checkTopKInput(fn, queries, corpus, dim, k, opts);
  const blockSize = opts.blockSize ?? Math.min(1024, Math.max(16, Math.floor(8192 / dim) * 4));
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new RangeError(`${fn}: blockSize must be a positive integer, got ${blockSize}`);
  }

  const indices = new Int32Array(nq * k);
  const distances = new Float32Array(nq * k);
  const heapDist = new Float64Array(QUERY_BLOCK * k);
  const heapIdx = new Int32Array(QUERY_BLOCK * k);
  const heapSize = new Int32Array(QUERY_BLOCK);
  const tile = new Float64Array(QUERY_BLOCK * blockSize);

  for (let q0 = 0; q0 < nq; q0 += QUERY_BLOCK) {
    const q1 = Math.min(nq, q0 + QUERY_BLOCK);
    heapSize.fill(0);
    for (let c0 = 0; c0 < nc; c0 += blockSize) {
      const c1 = Math.min(nc, c0 + blockSize);
      const w = c1 - c0;
      similarityTile(queries, corpus, dim, q0, q1, c0, c1, tile);
      for (let q = q0; q < q1; q++) {
        const h = q - q0;
        const base = h * k;
        const self = excludeSelf ? queryOffset + q : -1;
        const qi = qInv[q];
        let size = heapSize[h];
        // Candidates arrive in increasing index order, so a full heap only admits a strictly nearer one.
        let worst = size === k ? heapDist[base] : Infinity;
        const limit = maxDistanceOf(q);
        for (let c = c0, o = h * w; c < c1; c++, o++) {
          let d = Math.fround(1 - tile[o] * qi * cInv[c]);
          if (d < 0) d = 0;
          else if (d > 2) d = 2;
          if (d > limit || c === self) continue;
          if (size === k && d >= worst) continue;
          size = heapOffer(heapDist, heapIdx, base, size, k, d, c);
          if (size === k) worst = heapDist[base];
        }
        heapSize[h] = size;
      }
    }
    for (let q = q0; q < q1; q++) {
      const h = q - q0;
      heapDrainSorted(heapDist, heapIdx, h * k, heapSize[h], k, indices, distances, q * k);
    }
  }
  return { indices, distances };
}
