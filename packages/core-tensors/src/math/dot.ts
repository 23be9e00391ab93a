/**
 * Inner product of two equal-length vectors. Four independent accumulators let the CPU overlap the
 * additions instead of waiting on one dependency chain; the sum is in float64 whatever the input type.
 */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`dot: length mismatch, a has ${n} elements and b has ${b.length}`);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (const end = n - 3; i < end; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += a[i] * b[i];
  return s0 + s1 + (s2 + s3);
}
