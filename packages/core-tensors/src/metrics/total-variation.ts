/**
 * Total variation distance ½ Σ |p − q| between two distributions over classes, in [0, 1]. Each
 * input is normalised by its own sum first, so raw counts work as well as shares. A shorter vector
 * is padded with zeros (a class missing from one histogram has mass 0 there).
 */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = checkedSum('p', p);
  const sq = checkedSum('q', q);
  const n = Math.max(p.length, q.length);
  let tv = 0;
  for (let i = 0; i < n; i++) {
    const a = i < p.length ? p[i] / sp : 0;
    const b = i < q.length ? q[i] / sq : 0;
    tv += Math.abs(a - b);
  }
  return tv / 2;
}

function checkedSum(name: string, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x) || x < 0) {
      throw new RangeError(`totalVariation: ${name}[${i}] = ${x} (expected a finite non-negative mass)`);
    }
    s += x;
  }
  if (!(s > 0)) throw new RangeError(`totalVariation: ${name} has total mass 0 (expected a non-empty distribution)`);
  return s;
}
