/**
 * A fixed-capacity max-heap of (distance, index) pairs that keeps the k nearest candidates seen so
 * far: the worst kept candidate sits at the root, so rejecting a far candidate costs one comparison.
 * Many heaps live side by side in two flat arrays (slot `base .. base + k - 1`) so that a block of
 * queries needs no per-query allocation. Order is (distance, then index): of equal distances the
 * lower index is nearer, which makes every top-k deterministic.
 */

/** True when (da, ia) is farther than (db, ib) in the (distance, index) order. */
function farther(da: number, ia: number, db: number, ib: number): boolean {
  return da > db || (da === db && ia > ib);
}

function siftDown(dist: Float64Array, idx: Int32Array, base: number, size: number, start: number): void {
  let p = start;
  const d = dist[base + p];
  const i = idx[base + p];
  for (;;) {
    let c = 2 * p + 1;
    if (c >= size) break;
    if (c + 1 < size && farther(dist[base + c + 1], idx[base + c + 1], dist[base + c], idx[base + c])) c++;
    if (!farther(dist[base + c], idx[base + c], d, i)) break;
    dist[base + p] = dist[base + c];
    idx[base + p] = idx[base + c];
    p = c;
  }
  dist[base + p] = d;
  idx[base + p] = i;
}

/**
 * Offers candidate (d, i) to the heap at `base` holding `size` of `k` entries; returns the new size.
 */
export function heapOffer(
  dist: Float64Array,
  idx: Int32Array,
  base: number,
  size: number,
  k: number,
  d: number,
  i: number,
): number {
  if (size < k) {
    let c = size;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!farther(d, i, dist[base + p], idx[base + p])) break;
      dist[base + c] = dist[base + p];
      idx[base + c] = idx[base + p];
      c = p;
    }
    dist[base + c] = d;
    idx[base + c] = i;
    return size + 1;
  }
  if (!farther(dist[base], idx[base], d, i)) return size;
  dist[base] = d;
  idx[base] = i;
  siftDown(dist, idx, base, size, 0);
  return size;
}

/**
 * Empties the heap into `outIdx/outDist[outBase ..]` nearest first (heap-sort order) and pads the
 * rest of the k slots with index -1 and distance Infinity.
 */
export function heapDrainSorted(
  dist: Float64Array,
  idx: Int32Array,
  base: number,
  size: number,
  k: number,
  outIdx: Int32Array,
  outDist: Float32Array,
  outBase: number,
): void {
  for (let s = size; s < k; s++) {
    outIdx[outBase + s] = -1;
    outDist[outBase + s] = Infinity;
  }
  for (let s = size - 1; s >= 0; s--) {
    outIdx[outBase + s] = idx[base];
    outDist[outBase + s] = dist[base];
    dist[base] = dist[base + s];
    idx[base] = idx[base + s];
    siftDown(dist, idx, base, s, 0);
  }
}
