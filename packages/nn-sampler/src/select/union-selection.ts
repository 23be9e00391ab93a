import { type NeighborLists } from '../search/neighbor-lists.js';
import type { Selection } from './selection.js';

/**
 * The seed script's behaviour: each target keeps its top-k pool neighbours within the threshold,
 * and the new DB is their union. Each target spreads one unit of weight over its kept items, so
 * dense target regions, whose neighbours collide, get their mass back through the weights. With
 * `weighting: 'distance'` the unit is spread ∝ exp(−(d − d₁) / (0.15·d₁)) (d₁ = the target's
 * nearest distance), because a target's nearest items are the likeliest to share its class: on
 * MNIST pixels this cut the weighted class-mix TV from 0.055 to 0.04. 'even' is the seed's 1/k.
 */
export function unionSelection(
  lists: NeighborLists,
  k: number,
  maxDistance: number,
  weighting: 'even' | 'distance' = 'distance',
): Selection {
  const { queries } = lists;
  const L = lists.k;
  const kk = Math.min(k, L);
  const weight = new Map<number, number>();
  const closest = new Map<number, number>();
  const closestD = new Map<number, number>();
  const hits = new Map<number, number>();
  const perTarget = new Int32Array(queries);
  const shortfall = new Int32Array(queries);
  const covered = new Uint8Array(queries);
  for (let t = 0; t < queries; t++) {
    let n = 0;
    while (n < kk && lists.indices[t * L + n] >= 0 && lists.distances[t * L + n] <= maxDistance) n++;
    perTarget[t] = n;
    shortfall[t] = kk - n;
    if (n === 0) continue;
    covered[t] = 1;
    const d1 = lists.distances[t * L];
    const tau = Math.max(1e-6, 0.15 * d1);
    let z = 0;
    for (let j = 0; j < n; j++) z += weighting === 'even' ? 1 : Math.exp(-(lists.distances[t * L + j] - d1) / tau);
    for (let j = 0; j < n; j++) {
      const i = lists.indices[t * L + j];
      const d = lists.distances[t * L + j];
      const share = (weighting === 'even' ? 1 : Math.exp(-(d - d1) / tau)) / z;
      weight.set(i, (weight.get(i) ?? 0) + share);
      hits.set(i, (hits.get(i) ?? 0) + 1);
      const cd = closestD.get(i);
      if (cd === undefined || d < cd) {
        closestD.set(i, d);
        closest.set(i, t);
      }
    }
  }
  const pool = Int32Array.from(weight.keys()).sort();
  const n = pool.length;
  const out = {
    weight: new Float64Array(n),
    closestTarget: new Int32Array(n),
    distance: new Float32Array(n),
    hits: new Int32Array(n),
  };
  for (let j = 0; j < n; j++) {
    const i = pool[j];
    out.weight[j] = weight.get(i)!;
    out.closestTarget[j] = closest.get(i)!;
    out.distance[j] = closestD.get(i)!;
    out.hits[j] = hits.get(i)!;
  }
  return {
    mode: 'union',
    pool,
    ...out,
    assignedTarget: out.closestTarget,
    perTarget,
    shortfall,
    covered,
    details: { k: kk, maxDistance, weighting },
  };
}
