import { heapDrainSorted, heapOffer } from './nearest-heap.js';

/**
 * Exact top-k from approximate (float32) similarities: the float32 values only decide which
 * candidates are worth scoring exactly, with a margin that provably keeps every true neighbour.
 *
 * Per query it tracks the k-th largest float32 similarity T seen so far (a min-heap of k values)
 * and keeps every candidate with similarity ≥ T − 2ε, where ε bounds |float32 − exact| plus the
 * float32 rounding of the reported distance (see {@link screenMargin}). Why that suffices: k
 * candidates have float32 similarity ≥ T, hence exact similarity ≥ T − ε, so every true top-k
 * member has exact similarity ≥ T − ε and float32 similarity ≥ T − 2ε. T only grows, so a
 * candidate dropped early stays droppable. At the end the survivors (about k plus the running-top-k
 * improvements, k·ln(n/k) on random order) are scored in float64 exactly like `topKCosine` and
 * ranked by (float32 distance, index).
 */
export class SimilarityScreen {
  private readonly eps2: number;
  /** Similarity below which a candidate is beyond maxDistance whatever else is seen. */
  private readonly floor: number;
  private readonly top: Float32Array;
  private readonly topSize: Int32Array;
  /** Per query: float32 similarities below this cannot be in its top-k. */
  readonly threshold: Float64Array;
  private readonly candIdx: Int32Array[];
  private readonly candSim: Float32Array[];
  private readonly candN: Int32Array;
  /** Scratch min-heap of k group maxima for `scanGroupedBlock`. */
  private readonly seed: Float32Array;

  constructor(
    private readonly nq: number,
    private readonly k: number,
    eps: number,
    private readonly maxDistance: number,
    /** Corpus index of query 0 to skip (query q skips self + q), or −Infinity. */
    private readonly self: number,
  ) {
    this.eps2 = 2 * eps;
    this.floor = maxDistance === Infinity ? -Infinity : 1 - maxDistance - eps;
    this.top = new Float32Array(nq * k);
    this.topSize = new Int32Array(nq);
    this.threshold = new Float64Array(nq).fill(this.floor);
    this.candIdx = Array.from({ length: nq }, () => new Int32Array(0));
    this.candSim = Array.from({ length: nq }, () => new Float32Array(0));
    this.candN = new Int32Array(nq);
    this.seed = new Float32Array(k);
  }

  /**
   * Walks a [rows × w] block of float32 similarities (queries q0.., corpus c0.., in increasing
   * index order). Four candidates per short-circuit test: V8 runs that ~2× faster than one test
   * per loop iteration (measured), and nearly every candidate is rejected there.
   */
  scanBlock(sim: Float32Array, rows: number, w: number, q0: number, c0: number): void {
    const threshold = this.threshold;
    for (let h = 0; h < rows; h++) {
      const q = q0 + h;
      let t = threshold[q];
      const start = h * w;
      const end = start + w;
      const base = c0 - start;
      let o = start;
      for (; o + 4 <= end; o += 4) {
        if (sim[o] < t && sim[o + 1] < t && sim[o + 2] < t && sim[o + 3] < t) continue;
        for (let j = o; j < o + 4; j++) if (sim[j] >= t) t = this.keep(q, base + j, sim[j]);
      }
      for (; o < end; o++) if (sim[o] >= t) t = this.keep(q, base + o, sim[o]);
    }
  }

  /**
   * `scanBlock` for a [rows × width] block that comes with its group maxima: `maxima[h·L + j]` (L =
   * maxima per row = width / groups) is the largest of row h's columns base + i·lanes, i < groups,
   * base = ⌊j / lanes⌋·groups·lanes + j mod lanes (the layout of the ORT similarity blocks).
   * Columns from `w` on are padding and never kept.
   *
   * First the maxima raise the threshold: the k-th largest maximum M_k is the similarity of one
   * column in each of k distinct groups, so k candidates have float32 similarity ≥ M_k and, by the
   * argument above, nothing below M_k − 2ε is a top-k member. Without this the threshold climbs
   * from −∞ at the start of every call, keeping ~k·ln(n/k) candidates per query; with it, about k
   * per block. Then only the groups whose maximum reaches the threshold are opened. Candidates
   * arrive out of index order, which changes nothing: the heap holds values, and `finish` ranks by
   * (distance, index).
   */
  scanGroupedBlock(
    sim: Float32Array,
    maxima: Float32Array,
    rows: number,
    width: number,
    w: number,
    q0: number,
    c0: number,
    groups: number,
    lanes: number,
  ): void {
    const threshold = this.threshold;
    const L = maxima.length / rows;
    const k = this.k;
    const eps2 = this.eps2;
    // A maximum may be a padding column's (zero) similarity or the skipped self's: no candidate's.
    const canSeed = w === width && L >= k;
    const seed = this.seed;
    for (let h = 0; h < rows; h++) {
      const q = q0 + h;
      const m0 = h * L;
      let t = threshold[q];
      const self = this.self + q;
      if (canSeed && (self < c0 || self >= c0 + w)) {
        // k largest maxima above t + 2ε (only those can raise t), in a min-heap.
        const admit = t + eps2;
        let size = 0;
        for (let j = 0; j < L; j++) {
          const m = maxima[m0 + j];
          if (m <= admit || (size === k && m <= seed[0])) continue;
          size = minHeapOffer(seed, size, k, m);
        }
        if (size === k && seed[0] - eps2 > t) {
          t = seed[0] - eps2;
          threshold[q] = t;
        }
      }
      const s0 = h * width;
      for (let j = 0; j < L; j++) {
        if (maxima[m0 + j] < t) continue;
        const lane = j % lanes;
        const end = Math.min(w, (j - lane) * groups + groups * lanes);
        for (let col = (j - lane) * groups + lane; col < end; col += lanes) {
          const s = sim[s0 + col];
          if (s >= t) t = this.keep(q, c0 + col, s);
        }
      }
    }
  }

  /** Records candidate c of query q with float32 similarity s; returns q's new threshold. */
  private keep(q: number, c: number, s: number): number {
    if (c === this.self + q) return this.threshold[q];
    const k = this.k;
    const base = q * k;
    const top = this.top;
    const size = this.topSize[q];
    if (size < k) {
      // Sift up in a min-heap of the k largest similarities.
      let i = size;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (top[base + p] <= s) break;
        top[base + i] = top[base + p];
        i = p;
      }
      top[base + i] = s;
      this.topSize[q] = size + 1;
    } else if (s > top[base]) {
      let i = 0;
      for (;;) {
        let ch = 2 * i + 1;
        if (ch >= k) break;
        if (ch + 1 < k && top[base + ch + 1] < top[base + ch]) ch++;
        if (top[base + ch] >= s) break;
        top[base + i] = top[base + ch];
        i = ch;
      }
      top[base + i] = s;
    }
    // Max with the old value: a threshold raised by `scanGroupedBlock`'s maxima may exceed the heap's.
    if (this.topSize[q] === k) this.threshold[q] = Math.max(this.threshold[q], top[base] - this.eps2);
    this.append(q, c, s);
    return this.threshold[q];
  }

  private append(q: number, c: number, s: number): void {
    let n = this.candN[q];
    if (n === this.candIdx[q].length) {
      // Drop what the risen threshold now excludes; grow only if that frees too little.
      const t = this.threshold[q];
      const idx = this.candIdx[q];
      const sim = this.candSim[q];
      let m = 0;
      for (let i = 0; i < n; i++) {
        if (sim[i] >= t) {
          idx[m] = idx[i];
          sim[m] = sim[i];
          m++;
        }
      }
      n = m;
      if (n * 2 > idx.length || idx.length === 0) {
        const cap = Math.max(64, idx.length * 2);
        const idx2 = new Int32Array(cap);
        const sim2 = new Float32Array(cap);
        idx2.set(idx.subarray(0, n));
        sim2.set(sim.subarray(0, n));
        this.candIdx[q] = idx2;
        this.candSim[q] = sim2;
      }
    }
    this.candIdx[q][n] = c;
    this.candSim[q][n] = s;
    this.candN[q] = n + 1;
  }

  /**
   * Scores the surviving candidates in float64 (raw rows, dot · 1/‖q‖ · 1/‖c‖, distance rounded
   * to float32 — the arithmetic of `topKCosine`) and returns the top-k by (distance, index).
   * Four candidates share a pass over the query row: each dot is still summed alone, in index
   * order, so the values are those of `similarityTile`; V8 compiles a lone one-accumulator dot loop
   * several times slower (measured: this was a third of the ORT engine's time).
   */
  finish(
    queries: Float32Array,
    corpus: Float32Array,
    dim: number,
    qInv: Float64Array,
    cInv: Float64Array,
  ): { indices: Int32Array; distances: Float32Array } {
    const { nq, k, maxDistance } = this;
    const indices = new Int32Array(nq * k);
    const distances = new Float32Array(nq * k);
    const heapDist = new Float64Array(k);
    const heapIdx = new Int32Array(k);
    let pass = new Int32Array(64);
    for (let q = 0; q < nq; q++) {
      const t = this.threshold[q];
      const idx = this.candIdx[q];
      const sim = this.candSim[q];
      let n = 0;
      for (let i = 0, m = this.candN[q]; i < m; i++) {
        if (sim[i] < t) continue;
        if (n === pass.length) {
          const grown = new Int32Array(2 * n);
          grown.set(pass);
          pass = grown;
        }
        pass[n++] = idx[i];
      }
      const qo = q * dim;
      const qi = qInv[q];
      let size = 0;
      let p = 0;
      for (; p + 4 <= n; p += 4) {
        const c0 = pass[p], c1 = pass[p + 1], c2 = pass[p + 2], c3 = pass[p + 3]; // prettier-ignore
        const k0 = c0 * dim, k1 = c1 * dim, k2 = c2 * dim, k3 = c3 * dim; // prettier-ignore
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0; // prettier-ignore
        for (let j = 0; j < dim; j++) {
          const x = queries[qo + j];
          a0 += x * corpus[k0 + j];
          a1 += x * corpus[k1 + j];
          a2 += x * corpus[k2 + j];
          a3 += x * corpus[k3 + j];
        }
        size = offerScored(heapDist, heapIdx, size, k, a0 * qi * cInv[c0], c0, maxDistance);
        size = offerScored(heapDist, heapIdx, size, k, a1 * qi * cInv[c1], c1, maxDistance);
        size = offerScored(heapDist, heapIdx, size, k, a2 * qi * cInv[c2], c2, maxDistance);
        size = offerScored(heapDist, heapIdx, size, k, a3 * qi * cInv[c3], c3, maxDistance);
      }
      for (; p < n; p++) {
        const c = pass[p];
        const co = c * dim;
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += queries[qo + j] * corpus[co + j];
        size = offerScored(heapDist, heapIdx, size, k, dot * qi * cInv[c], c, maxDistance);
      }
      heapDrainSorted(heapDist, heapIdx, 0, size, k, indices, distances, q * k);
    }
    return { indices, distances };
  }
}

/** Offers corpus row c at cosine similarity `cos` (float64) as `topKCosine` does; returns the heap size. */
function offerScored(heapDist: Float64Array, heapIdx: Int32Array, size: number, k: number, cos: number, c: number, maxDistance: number): number {
  let d = Math.fround(1 - cos);
  if (d < 0) d = 0;
  else if (d > 2) d = 2;
  if (d > maxDistance) return size;
  return heapOffer(heapDist, heapIdx, 0, size, k, d, c);
}

/** Offers s to the min-heap `heap` of `size` ≤ k values (the k largest kept); returns the new size. */
function minHeapOffer(heap: Float32Array, size: number, k: number, s: number): number {
  if (size < k) {
    let i = size;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p] <= s) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = s;
    return size + 1;
  }
  let i = 0;
  for (;;) {
    let ch = 2 * i + 1;
    if (ch >= k) break;
    if (ch + 1 < k && heap[ch + 1] < heap[ch]) ch++;
    if (heap[ch] >= s) break;
    heap[i] = heap[ch];
    i = ch;
  }
  heap[i] = s;
  return size;
}

/**
 * Upper bound on |float32 similarity − float64 similarity| plus the float32 rounding of the
 * reported distance, for rows normalised to float32: a float32 dot product of `dim` terms errs by
 * at most γ_dim·Σ|q̂ᵢĉᵢ| ≤ dim·u (Cauchy–Schwarz on unit rows, any summation order, with or without
 * FMA), normalising to float32 adds ≤ 3u, rounding the distance ≤ 2u; u = 2⁻²⁴. The 1 % slack
 * covers the second-order terms.
 */
export function screenMargin(dim: number): number {
  return (dim + 8) * 2 ** -24 * 1.01;
}
