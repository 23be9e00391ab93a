import { evaluateClustering } from '@twindb/core-tensors';

/** Hungarian evaluation against the rows' known labels (spec §9.4), with twindb's additions. */
export interface LabelEvaluation {
  /** Hungarian-matched accuracy (one-to-one). */
  acc: number;
  /** Majority-vote accuracy: the fair figure when num_classes exceeds the true classes. */
  manyToOneAcc: number;
  nmi: number;
  ari: number;
  top5?: number;
  /** Rows with a label (the others are left out). */
  labelled: number;
  /** The label values present, ascending; confusion columns follow this order. */
  classes: number[];
  /** counts[cluster][class index]. */
  confusion: number[][];
  /** cluster → matched label value, or −1. */
  clusterToLabel: number[];
}

/**
 * Evaluates cluster assignments on the labelled rows. K' = distinct labels present (as the
 * reference), label values compacted to 0..K'−1 so a class subset (`?classes=5-9`) evaluates as
 * well. Returns undefined when no row has a label.
 */
export function evaluateAgainstLabels(cluster: Int32Array, probs: Float32Array, k: number, labels: Int32Array): LabelEvaluation | undefined {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) rows.push(i);
  if (rows.length === 0) return undefined;
  const classes = [...new Set(rows.map((i) => labels[i]))].sort((a, b) => a - b);
  const index = new Map(classes.map((c, j) => [c, j]));
  const pred = Int32Array.from(rows, (i) => cluster[i]);
  const truth = Int32Array.from(rows, (i) => index.get(labels[i])!);
  const p = new Float32Array(rows.length * k);
  rows.forEach((i, r) => p.set(probs.subarray(i * k, (i + 1) * k), r * k));
  const e = evaluateClustering(pred, truth, { probs: p, numPred: k, numTrue: classes.length });
  return {
    acc: e.acc,
    manyToOneAcc: e.manyToOneAcc,
    nmi: e.nmi,
    ari: e.ari,
    top5: e.top5,
    labelled: rows.length,
    classes,
    confusion: e.confusion,
    clusterToLabel: Array.from(e.mapping, (t) => (t < 0 ? -1 : classes[t])),
  };
}
