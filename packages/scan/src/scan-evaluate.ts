import { BCE_LOG_FLOOR } from './scan-loss.js';
import { ENTROPY_EPS } from './entropy.js';

/** One head's validation terms (spec §9.3); selection minimises `total`. */
export interface HeadScore {
  head: number;
  entropy: number;
  consistency: number;
  /** consistency − entropy: the entropy weight is 1 here, not the training `entropy_weight`. */
  total: number;
}

export interface ScanEvaluation {
  heads: HeadScore[];
  /** argmin of total over heads, the first one on ties. */
  lowestLossHead: number;
  lowestLoss: number;
}

/**
 * The reference's `scan_evaluate` head selection (spec §9.3), in float64: per head the entropy of
 * the mean predicted distribution over the whole val set, and the consistency over every (anchor,
 * neighbour) pair of the val neighbour table — column 0 (the self pair) included — as
 * −max(log Pᵢ·Pⱼ, −100); total = consistency − entropy.
 *
 * `probabilities[h]` is row-major [n × k] (softmax outputs of head h); `neighbors` is row-major
 * [n × m] val-set indices (m = 6 in the reference: self + 5).
 */
export function scanEvaluate(probabilities: readonly Float32Array[], k: number, neighbors: Int32Array, m: number): ScanEvaluation {
  if (probabilities.length === 0) throw new RangeError('scanEvaluate: no head to evaluate');
  const n = probabilities[0].length / k;
  if (!Number.isInteger(n) || n === 0) throw new RangeError(`scanEvaluate: head 0 has ${probabilities[0].length} values, not a multiple of k = ${k}`);
  if (neighbors.length !== n * m) throw new RangeError(`scanEvaluate: neighbour table has ${neighbors.length} entries, expected ${n} × ${m}`);
  for (let j = 0; j < neighbors.length; j++) {
    if (neighbors[j] < 0 || neighbors[j] >= n) throw new RangeError(`scanEvaluate: neighbour row ${Math.floor(j / m)} column ${j % m} is ${neighbors[j]}, outside 0..${n - 1}`);
  }
  const heads = probabilities.map((p, head): HeadScore => {
    if (p.length !== n * k) throw new RangeError(`scanEvaluate: head ${head} has ${p.length} values, expected ${n} × ${k}`);
    const mean = new Float64Array(k);
    for (let i = 0; i < n * k; i++) mean[i % k] += p[i] / n;
    let entropy = 0;
    for (const v of mean) {
      const c = Math.max(v, ENTROPY_EPS);
      entropy -= c * Math.log(c);
    }
    let consistency = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < m; c++) {
        const j = neighbors[i * m + c];
        let dot = 0;
        for (let t = 0; t < k; t++) dot += p[i * k + t] * p[j * k + t];
        consistency -= Math.max(Math.log(dot), BCE_LOG_FLOOR);
      }
    }
    consistency /= n * m;
    return { head, entropy, consistency, total: consistency - entropy };
  });
  const best = heads.reduce((a, b) => (b.total < a.total ? b : a));
  return { heads, lowestLossHead: best.head, lowestLoss: best.total };
}
