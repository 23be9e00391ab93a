import type { DistanceHistogram } from './report-schema.js';

export type { DistanceHistogram };

/** Counts of cosine distances in equal-width bins over [0, max] (values above max go to the last bin). */
export function distanceHistogram(values: ArrayLike<number>, bins = 20, max?: number): DistanceHistogram {
  const finite = Array.from(values).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const hi = max ?? Math.max(1e-6, finite.length ? finite[finite.length - 1] : 1);
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.max(0, Math.floor((v / hi) * bins)))]++;
  const edges = Array.from({ length: bins + 1 }, (_, i) => round((i * hi) / bins));
  return { edges, counts, median: finite.length ? round(finite[Math.floor(finite.length / 2)]) : null };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
