/**
 * Class make-up of a selection against the target's, when both carry labels. `yield` = selected
 * size ÷ the largest subset of the pool with exactly the target's class mix (min over target
 * classes of pool count ÷ target share).
 */
import type { ClassMix } from './report-schema.js';

export type { ClassMix };

export function classMix(
  targetLabels: ArrayLike<number>,
  poolLabels: ArrayLike<number>,
  selectedLabels: ArrayLike<number>,
  selectedWeights?: ArrayLike<number>,
): ClassMix {
  const classes = Array.from(new Set([...Array.from(targetLabels), ...Array.from(poolLabels)])).sort((a, b) => a - b);
  const pos = new Map(classes.map((c, i) => [c, i]));
  const count = (ls: ArrayLike<number>, w?: ArrayLike<number>) => {
    const h = new Array<number>(classes.length).fill(0);
    for (let i = 0; i < ls.length; i++) {
      const p = pos.get(ls[i]);
      if (p !== undefined) h[p] += w ? w[i] : 1;
    }
    return h;
  };
  const t = count(targetLabels);
  const p = count(poolLabels);
  const s = count(selectedLabels);
  const sw = count(selectedLabels, selectedWeights);
  const share = (h: number[]) => {
    const tot = h.reduce((a, b) => a + b, 0);
    return h.map((v) => (tot > 0 ? v / tot : 0));
  };
  const tv = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + Math.abs(v - b[i]), 0) / 2;
  const ts = share(t);
  let inTarget = 0;
  for (let i = 0; i < classes.length; i++) if (t[i] > 0) inTarget += s[i];
  let maxMatched = Infinity;
  for (let i = 0; i < classes.length; i++) if (ts[i] > 0) maxMatched = Math.min(maxMatched, p[i] / ts[i]);
  if (!Number.isFinite(maxMatched)) maxMatched = 0;
  const n = selectedLabels.length;
  return {
    classes,
    target: t,
    pool: p,
    selected: s,
    selectedWeighted: sw.map((v) => Math.round(v * 1e6) / 1e6),
    precision: n ? inTarget / n : NaN,
    tv: tv(share(s), ts),
    tvWeighted: tv(share(sw), ts),
    maxMatchedSize: Math.floor(maxMatched),
    yield: maxMatched > 0 ? n / Math.floor(maxMatched) : NaN,
  };
}
