import type { NeighborLists } from '../search/neighbor-lists.js';
import type { CandidateEdges } from './candidate-edges.js';
import type { Selection, SelectionMode } from './selection.js';

/**
 * Assignment of pool items to targets without replacement: an item claimed by several targets goes
 * to the nearest one that still has room; the others go deeper into their own lists.
 * `assigned` maps pool item → target (−1 when free) and is shared between passes.
 */
export interface Assignment {
  readonly assigned: Map<number, number>;
  readonly count: Int32Array;
}

export function newAssignment(targets: number): Assignment {
  return { assigned: new Map(), count: new Int32Array(targets) };
}

/**
 * One greedy pass over the edges (closest first). `cap(t)` bounds each target, `groupOf` /
 * `groupQuota` optionally bound groups of targets (regions) as a whole.
 */
export function assignGreedy(
  a: Assignment,
  edges: CandidateEdges,
  cap: (t: number) => number,
  groups?: { of: Int32Array; quota: Int32Array; count: Int32Array },
): void {
  const { assigned, count } = a;
  for (let e = 0; e < edges.item.length; e++) {
    const t = edges.target[e];
    const i = edges.item[e];
    if (count[t] >= cap(t) || assigned.has(i)) continue;
    if (groups) {
      const g = groups.of[t];
      if (groups.count[g] >= groups.quota[g]) continue;
      groups.count[g]++;
    }
    assigned.set(i, t);
    count[t]++;
  }
}

/**
 * Turns an assignment into a Selection. A covered target left with no item of its own still
 * spreads its unit of weight: onto its nearest listed item that is selected, or, if none is, onto
 * its nearest listed item, which joins the selection (counted in `details.coverageItems`).
 */
export function selectionFromAssignment(
  mode: SelectionMode,
  lists: NeighborLists,
  maxDistance: number,
  a: Assignment,
  requested: (t: number) => number,
  details: Record<string, unknown>,
): Selection {
  const T = lists.queries;
  const L = lists.k;
  const covered = new Uint8Array(T);
  const hits = new Map<number, number>();
  const closest = new Map<number, number>();
  const closestD = new Map<number, number>();
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < L; j++) {
      const i = lists.indices[t * L + j];
      const d = lists.distances[t * L + j];
      if (i < 0 || !(d <= maxDistance)) break;
      covered[t] = 1;
      hits.set(i, (hits.get(i) ?? 0) + 1);
      const cd = closestD.get(i);
      if (cd === undefined || d < cd) {
        closestD.set(i, d);
        closest.set(i, t);
      }
    }
  }
  const weight = new Map<number, number>();
  for (const [i, t] of a.assigned) weight.set(i, (weight.get(i) ?? 0) + 1 / a.count[t]);
  let coverageItems = 0;
  for (let t = 0; t < T; t++) {
    if (!covered[t] || a.count[t] > 0) continue;
    let pick = -1;
    for (let j = 0; j < L && pick < 0; j++) {
      const i = lists.indices[t * L + j];
      if (i < 0 || !(lists.distances[t * L + j] <= maxDistance)) break;
      if (weight.has(i)) pick = i;
    }
    if (pick < 0) {
      pick = lists.indices[t * L];
      coverageItems++;
    }
    weight.set(pick, (weight.get(pick) ?? 0) + 1);
  }
  const pool = Int32Array.from(weight.keys()).sort();
  const n = pool.length;
  const w = new Float64Array(n);
  const closestTarget = new Int32Array(n);
  const distance = new Float32Array(n);
  const h = new Int32Array(n);
  const assignedTarget = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = pool[j];
    w[j] = weight.get(i)!;
    closestTarget[j] = closest.get(i)!;
    distance[j] = closestD.get(i)!;
    h[j] = hits.get(i)!;
    assignedTarget[j] = a.assigned.get(i) ?? closest.get(i)!;
  }
  const shortfall = new Int32Array(T);
  for (let t = 0; t < T; t++) shortfall[t] = Math.max(0, requested(t) - a.count[t]);
  return {
    mode,
    pool,
    weight: w,
    closestTarget,
    distance,
    hits: h,
    assignedTarget,
    perTarget: Int32Array.from(a.count),
    shortfall,
    covered,
    details: { ...details, maxDistance, coverageItems },
  };
}
