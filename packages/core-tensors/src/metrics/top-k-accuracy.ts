import { labelCount, type Labels } from './labels.js';

/**
 * Fraction of samples whose true class is among the k highest-scoring columns of their row.
 * `scores` is row-major [n × numColumns] (probabilities, logits, any scores; numColumns =
 * scores.length / n). With `mapping` the columns are cluster ids that are first mapped to classes
 * (e.g. `hungarianMatch(...).predToTrue`, -1 = no class), as SCAN's "ACC Top-5". Among equal scores
 * the lower column wins, so the result is deterministic.
 */
export function topKAccuracy(scores: ArrayLike<number>, truth: Labels, k = 5, mapping?: ArrayLike<number>): number {
  const fn = 'topKAccuracy';
  const n = truth.length;
  if (n === 0) throw new RangeError(`${fn}: no samples (truth is empty)`);
  if (scores.length % n !== 0 || scores.length === 0) {
    throw new RangeError(`${fn}: scores.length ${scores.length} is not a multiple of the ${n} truth labels (expected row-major [n × columns])`);
  }
  const cols = scores.length / n;
  if (!Number.isInteger(k) || k <= 0 || k > cols) {
    throw new RangeError(`${fn}: k must be an integer in 1..${cols} (the number of score columns), got ${k}`);
  }
  if (mapping !== undefined && mapping.length !== cols) {
    throw new RangeError(`${fn}: mapping has ${mapping.length} entries but scores have ${cols} columns`);
  }
  labelCount(fn, 'truth', truth);
  const top = new Int32Array(k);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const o = i * cols;
    // Insertion into a sorted top-k list: k is small (5) and this stays allocation-free.
    let size = 0;
    for (let c = 0; c < cols; c++) {
      const s = scores[o + c];
      if (Number.isNaN(s)) throw new RangeError(`${fn}: scores row ${i} column ${c} is NaN`);
      if (size === k && !(s > scores[o + top[k - 1]])) continue;
      let j = size < k ? size++ : k - 1;
      while (j > 0 && s > scores[o + top[j - 1]]) {
        top[j] = top[j - 1];
        j--;
      }
      top[j] = c;
    }
    const t = truth[i];
    for (let j = 0; j < k; j++) {
      const cls = mapping === undefined ? top[j] : mapping[top[j]];
      if (cls === t) {
        correct++;
        break;
      }
    }
  }
  return correct / n;
}
