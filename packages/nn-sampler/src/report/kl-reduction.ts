/**
 * DSIR's "KL reduction" (Xie et al., 2023) over a codebook histogram: KL(target ‖ pool) −
 * KL(target ‖ candidate), with add-α smoothing. Positive: the candidate is closer to the target than
 * the raw pool is; the whole pool scores 0.
 */
export function klReduction(targetCells: Int32Array, poolCells: Int32Array, candidateCells: Int32Array, cells: number): number {
  return kl(targetCells, poolCells, cells) - kl(targetCells, candidateCells, cells);
}

export function kl(pCells: Int32Array, qCells: Int32Array, cells: number, alpha = 0.5): number {
  const p = histogram(pCells, cells, alpha);
  const q = histogram(qCells, cells, alpha);
  let s = 0;
  for (let c = 0; c < cells; c++) s += p[c] * Math.log(p[c] / q[c]);
  return s;
}

function histogram(x: Int32Array, cells: number, alpha: number): Float64Array {
  const h = new Float64Array(cells).fill(alpha);
  for (const c of x) h[c]++;
  const total = x.length + alpha * cells;
  for (let c = 0; c < cells; c++) h[c] /= total;
  return h;
}
