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
  private readonly top: Float32Array;
  private readonly topSize: Int32Array;
  /** Per query: float32 similarities below this cannot be in its top-k. */
  readonly threshold: Float64Array;
  private readonly candIdx: Int32Array[];
  private readonly candSim: Float32Array[];
  private readonly candN: Int32Array;
  /** Chunks seen by `offerTop`, each with, per query, the bound on what its TopK left out. */
  private readonly chunks: { c0: number; w: number; bound: Float32Array }[] = [];

  constructor(
    private readonly nq: number,
    private readonly k: number,
    eps: number,
    /** The largest distance kept for query q. */
    private readonly maxDistanceOf: (q: number) => number,
    /** Corpus index of query 0 to skip (query q skips self + q), or −Infinity. */
    private readonly self: number,
  ) {
    this.eps2 = 2 * eps;
    this.top = new Float32Array(nq * k);
    this.topSize = new Int32Array(nq);
    // Similarity below which a candidate is beyond its query's maxDistance whatever else is seen.
    this.threshold = Float64Array.from({ length: nq }, (_, q) => 1 - maxDistanceOf(q) - eps);
    this.candIdx = Array.from({ length: nq }, () => new Int32Array(0));
    this.candSim = Array.from({ length: nq }, () => new Float32Array(0));
    this.candN = new Int32Array(nq);
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
   * Offers one corpus chunk's per-query top candidates (the ORT engine's TopK): for query q0 + h,
   * `values[h·take + i]` is the float32 similarity of chunk column `columns[h·take + i]`, the chunk
   * being corpus rows c0 .. c0 + w − 1 (columns ≥ w are padding and never kept). Unless the chunk
   * had no more than `take` real columns (`complete`), every column not returned has a similarity
   * ≤ the smallest returned value, its bound. `finish` checks each bound against the query's final
   * threshold: below it, nothing the TopK left out can be a candidate; otherwise (ties or
   * near-ties around the take-th value, e.g. duplicated rows) the whole chunk is scored exactly for
   * that query. Call once per (query block, chunk); query blocks of one chunk may come in any order.
   */
  offerTop(values: Float32Array, columns: Float32Array, rows: number, take: number, w: number, q0: number, c0: number, complete: boolean): void {
    let chunk = this.chunks.at(-1);
    if (chunk?.c0 !== c0) {
      chunk = { c0, w, bound: new Float32Array(this.nq).fill(-Infinity) };
      this.chunks.push(chunk);
    }
    const threshold = this.threshold;
    for (let h = 0; h < rows; h++) {
      const q = q0 + h;
      let t = threshold[q];
      let bound = Infinity;
      for (let i = h * take, end = i + take; i < end; i++) {
        const s = values[i];
        if (s < bound) bound = s;
        const col = columns[i];
        if (col < w && s >= t) t = this.keep(q, c0 + col, s);
      }
      if (!complete) chunk.bound[q] = bound;
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
    const { nq, k } = this;
    const indices = new Int32Array(nq * k);
    const distances = new Float32Array(nq * k);
    const heapDist = new Float64Array(k);
    const heapIdx = new Int32Array(k);
    let pass = new Int32Array(64);
    for (let q = 0; q < nq; q++) {
      const t = this.threshold[q];
      const idx = this.candIdx[q];
      const sim = this.candSim[q];
      // Chunks whose left-out columns may reach the threshold are scored whole, in place of their candidates.
      let open = 0;
      for (const chunk of this.chunks) if (chunk.bound[q] >= t) open++;
      let n = 0;
      const add = (c: number) => {
        if (n === pass.length) {
          const grown = new Int32Array(2 * n);
          grown.set(pass);
          pass = grown;
        }
        pass[n++] = c;
      };
      for (let i = 0, m = this.candN[q]; i < m; i++) {
        if (sim[i] < t || (open > 0 && this.inOpenChunk(idx[i], q, t))) continue;
        add(idx[i]);
      }
      if (open > 0) {
        for (const chunk of this.chunks) {
          if (chunk.bound[q] < t) continue;
          for (let c = chunk.c0; c < chunk.c0 + chunk.w; c++) if (c !== this.self + q) add(c);
        }
      }
      const qo = q * dim;
      const qi = qInv[q];
      const maxDistance = this.maxDistanceOf(q);
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

  /** Whether corpus row c lies in a chunk that `finish` scores whole for query q (threshold t). */
  private inOpenChunk(c: number, q: number, t: number): boolean {
    for (const chunk of this.chunks) if (c >= chunk.c0 && c < chunk.c0 + chunk.w) return chunk.bound[q] >= t;
    return false;
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
