import { topKCosineFast } from '@twindb/core-tensors';

export interface KnnAccuracyInput {
  /** Bank rows [nBank × dim] (the training DB's features). */
  bank: Float32Array;
  bankLabels: Int32Array;
  /** Query rows [nQuery × dim] (the validation DB's features). */
  queries: Float32Array;
  queryLabels: Int32Array;
  dim: number;
  k: number;
  /** τ of the exp(sim/τ) vote weights (the criterion temperature, as the reference). */
  temperature: number;
}

export interface KnnAccuracy {
  /** Accuracy of the exp(cos/τ)-weighted vote (SCAN's contrastive_evaluate). */
  weighted: number;
  /** Accuracy of the plain majority vote among the k nearest. */
  majority: number;
  /** Labelled queries scored. */
  queries: number;
  /** Labelled bank rows voted with. */
  bank: number;
  k: number;
}

/**
 * kNN classification accuracy of labelled queries against a labelled bank by cosine similarity
 * (spec §9.1): the k most similar bank rows vote, each with weight exp(cos/τ) (weighted) or 1
 * (majority). Rows labelled < 0 (unknown) are left out of both sides. Ties go to the class whose
 * nearest voter ranks first, so the result does not depend on class numbering.
 */
export async function knnAccuracy(input: KnnAccuracyInput): Promise<KnnAccuracy> {
  const { dim, temperature } = input;
  if (!(temperature > 0)) throw new RangeError(`knnAccuracy: temperature must be > 0, got ${temperature}`);
  const bank = keepLabelled(input.bank, input.bankLabels, dim, 'bank');
  const queries = keepLabelled(input.queries, input.queryLabels, dim, 'queries');
  if (bank.labels.length === 0 || queries.labels.length === 0) {
    throw new Error(`knnAccuracy: needs labelled rows on both sides (bank ${bank.labels.length}, queries ${queries.labels.length})`);
  }
  const k = Math.min(input.k, bank.labels.length);
  // The float32-screened search returns topKCosine's float64 result bit for bit, ~6× faster on wasm
  // (2,000 × 8,000 × 128: 1.6 s → 0.2 s), a third of a kNN evaluation before.
  const { indices, distances } = await topKCosineFast(queries.rows, bank.rows, dim, k);
  let weightedHits = 0;
  let majorityHits = 0;
  const weight = new Map<number, number>();
  const votes = new Map<number, number>();
  for (let q = 0; q < queries.labels.length; q++) {
    weight.clear();
    votes.clear();
    for (let j = 0; j < k; j++) {
      const idx = indices[q * k + j];
      if (idx < 0) break;
      const label = bank.labels[idx];
      const sim = 1 - distances[q * k + j];
      // Map insertion order = rank of the class's nearest voter, which breaks ties below.
      weight.set(label, (weight.get(label) ?? 0) + Math.exp(sim / temperature));
      votes.set(label, (votes.get(label) ?? 0) + 1);
    }
    const truth = queries.labels[q];
    if (argmax(weight) === truth) weightedHits++;
    if (argmax(votes) === truth) majorityHits++;
  }
  const n = queries.labels.length;
  return { weighted: weightedHits / n, majority: majorityHits / n, queries: n, bank: bank.labels.length, k };
}

function argmax(m: Map<number, number>): number {
  let best = -1;
  let bestScore = -Infinity;
  for (const [label, score] of m) {
    if (score > bestScore) {
      best = label;
      bestScore = score;
    }
  }
  return best;
}

function keepLabelled(rows: Float32Array, labels: Int32Array, dim: number, what: string): { rows: Float32Array; labels: Int32Array } {
  if (rows.length !== labels.length * dim) {
    throw new RangeError(`knnAccuracy: ${what} has ${rows.length} values, expected ${labels.length} rows × ${dim}`);
  }
  if (labels.every((l) => l >= 0)) return { rows, labels };
  const keep: number[] = [];
  labels.forEach((l, i) => l >= 0 && keep.push(i));
  const out = new Float32Array(keep.length * dim);
  keep.forEach((i, r) => out.set(rows.subarray(i * dim, (i + 1) * dim), r * dim));
  return { rows: out, labels: Int32Array.from(keep, (i) => labels[i]) };
}
