import type { EmbeddingMatrix } from '../embedding-matrix.js';
import { ExactSearch } from '../search/exact-search.js';

/**
 * Removal of near-duplicate targets (consecutive video frames) before the pool search: the seed's
 * "filtering the sequential frames". Similarities are cosines of the unit rows, in float64.
 */
export interface TargetDedup {
  rule: 'greedy' | 'fork';
  threshold: number;
  /** Kept target rows, ascending (file order). */
  kept: Int32Array;
  /** Removed target rows, ascending, each with the target that removed it and their similarity. */
  removed: { row: number; by: number; similarity: number }[];
}

function dot(m: EmbeddingMatrix, a: number, b: number): number {
  const { dim, data } = m;
  let s = 0;
  for (let j = 0, oa = a * dim, ob = b * dim; j < dim; j++) s += data[oa + j] * data[ob + j];
  return s;
}

/** Candidates per target from an exact search among the targets (the full scan only when they run out). */
const CANDIDATES = 32;

/**
 * Greedy: walk the targets in file order and keep one unless its similarity to an already KEPT
 * target is ≥ `threshold` (against every kept target, not only the nearest few: a target whose
 * nearest neighbours were all removed is compared further, down to a full scan of the kept ones).
 * `by` is the most similar kept target.
 */
export async function greedyTargetDedup(m: EmbeddingMatrix, threshold: number): Promise<TargetDedup> {
  const n = m.rows;
  const depth = Math.min(n, CANDIDATES);
  const search = new ExactSearch(m, depth);
  await search.add({ offset: 0, embeddings: m.data });
  const lists = await search.result();
  const isKept = new Uint8Array(n);
  const kept: number[] = [];
  const removed: TargetDedup['removed'] = [];
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let by = -1;
    let lastSim = Infinity;
    let listed = 0;
    for (let j = 0; j < depth; j++) {
      const c = lists.indices[i * depth + j];
      if (c < 0) break;
      listed++;
      lastSim = 1 - lists.distances[i * depth + j];
      if (c === i || !isKept[c]) continue;
      const s = dot(m, i, c);
      if (s >= threshold && s > best) {
        best = s;
        by = c;
      }
    }
    // The list may have ended while still above the threshold: compare with every kept target.
    if (by < 0 && listed === depth && depth < n && lastSim >= threshold - 1e-6) {
      for (const c of kept) {
        const s = dot(m, i, c);
        if (s >= threshold && s > best) {
          best = s;
          by = c;
        }
      }
    }
    if (by >= 0) removed.push({ row: i, by, similarity: best });
    else {
      isKept[i] = 1;
      kept.push(i);
    }
  }
  return { rule: 'greedy', threshold, kept: Int32Array.from(kept), removed };
}

/**
 * The fork's nn_maker.py, exactly: each target's top `n` neighbours among all targets (itself
 * included, ties by file order), `D = D[:, 1:]` but not `I`, then in file order every target not
 * yet removed marks `I[i][j]` when `D[i][j + 1] ≥ threshold`. The marks are shifted by one: a target
 * marks itself and its neighbours but the last one above the threshold, and a later target can
 * remove an earlier kept one. `by` is the target that marked it.
 */
export async function forkTargetDedup(m: EmbeddingMatrix, threshold: number, n: number): Promise<TargetDedup> {
  const rows = m.rows;
  const depth = Math.min(rows, n);
  const search = new ExactSearch(m, depth);
  await search.add({ offset: 0, embeddings: m.data });
  const lists = await search.result();
  const gone = new Uint8Array(rows);
  const by = new Int32Array(rows).fill(-1);
  const sim = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    if (gone[i]) continue;
    for (let j = 0; j + 1 < depth; j++) {
      const mark = lists.indices[i * depth + j];
      const next = lists.indices[i * depth + j + 1];
      if (mark < 0 || next < 0) break;
      const s = dot(m, i, next);
      if (s >= threshold && !gone[mark]) {
        gone[mark] = 1;
        by[mark] = i;
        sim[mark] = s;
      }
    }
  }
  const kept: number[] = [];
  const removed: TargetDedup['removed'] = [];
  for (let i = 0; i < rows; i++) {
    if (gone[i]) removed.push({ row: i, by: by[i], similarity: sim[i] });
    else kept.push(i);
  }
  return { rule: 'fork', threshold, kept: Int32Array.from(kept), removed };
}
