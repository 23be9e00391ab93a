import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@twindb/core-tensors';
import type { ClusterHeads } from '../clustering-model.js';
import type { ScanBatch } from '../scan-epoch.js';
import type { NeighborTable } from './neighbor-table.js';

/**
 * Frozen-feature SCAN batches for one epoch: a seeded permutation of the rows, `drop_last` as the
 * reference's train loader (§2.4), and for every anchor one neighbour drawn uniformly from all
 * k + 1 columns of its row (self included, §2.3). `rng` must be fresh for (seed, epoch) so that a
 * resumed run draws exactly what an uninterrupted one would.
 */
export function* frozenScanBatches(x: Float32Array, dim: number, neighbors: NeighborTable, batchSize: number, rng: Rng, heads: ClusterHeads): Generator<ScanBatch> {
  const n = x.length / dim;
  const order = rng.permutation(n);
  const steps = Math.floor(n / batchSize);
  for (let s = 0; s < steps; s++) {
    const a = new Float32Array(batchSize * dim);
    const nb = new Float32Array(batchSize * dim);
    for (let i = 0; i < batchSize; i++) {
      const row = order[s * batchSize + i];
      const j = neighbors.indices[row * neighbors.m + rng.int(neighbors.m)];
      a.set(x.subarray(row * dim, (row + 1) * dim), i * dim);
      nb.set(x.subarray(j * dim, (j + 1) * dim), i * dim);
    }
    yield {
      size: batchSize,
      forward: () => ({ anchors: heads.logits(tf.tensor2d(a, [batchSize, dim])), neighbors: heads.logits(tf.tensor2d(nb, [batchSize, dim])) }),
    };
  }
}

/** Softmax outputs of every head on row-major features, in row order: one [n × K] array per head. */
export function headProbabilities(heads: ClusterHeads, x: Float32Array, dim: number, chunk = 4096): Float32Array[] {
  const n = x.length / dim;
  const k = heads.heads[0].bias.shape[0];
  const out = heads.heads.map(() => new Float32Array(n * k));
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const probs = tf.tidy(() => heads.logits(tf.tensor2d(x.subarray(s * dim, e * dim), [e - s, dim])).map((l) => tf.softmax(l)));
    probs.forEach((p, h) => out[h].set(p.dataSync() as Float32Array, s * k));
    tf.dispose(probs);
  }
  return out;
}

/** argmax and max of each row of a row-major [n × K] probability matrix. */
export function argmaxRows(p: Float32Array, k: number): { cluster: Int32Array; confidence: Float32Array } {
  const n = p.length / k;
  const cluster = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    cluster[i] = best;
    confidence[i] = p[i * k + best];
  }
  return { cluster, confidence };
}

/** Members per cluster. */
export function clusterSizes(cluster: Int32Array, k: number): number[] {
  const sizes = new Array<number>(k).fill(0);
  for (const c of cluster) sizes[c]++;
  return sizes;
}
