import { dot } from './dot.js';

/**
 * 1 − cos(a, b), in [0, 2]. A zero vector has no direction: its similarity to anything is taken as 0
 * (distance 1), the same convention as `l2Normalize` and `topKCosine`. The result is clamped to
 * [0, 2] so rounding never yields a negative distance for (near-)identical vectors.
 */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`cosineDistance: length mismatch, a has ${a.length} elements and b has ${b.length}`);
  }
  const ab = dot(a, b);
  const aa = dot(a, a);
  const bb = dot(b, b);
  if (!Number.isFinite(ab) || !Number.isFinite(aa) || !Number.isFinite(bb)) {
    throw new RangeError(`cosineDistance: ${Number.isFinite(aa) ? 'b' : 'a'} contains NaN or Inf (expected finite numbers)`);
  }
  if (aa === 0 || bb === 0) return 1;
  const d = 1 - ab / Math.sqrt(aa * bb);
  return d < 0 ? 0 : d > 2 ? 2 : d;
}
