import { loadMnistDigits, mnistSplitIndices } from '@twindb/core-tensors/data';
import { Rng } from '@twindb/core-tensors';
import { memoryFeatureSource, type FeatureSource } from '../src/search/feature-source.js';

/** Raw MNIST pixels as embeddings (unit-normalised downstream): the no-training quality fixture. */
export async function mnistPixelSources(
  mix: Record<number, number>,
  seed: number,
): Promise<{ pool: FeatureSource; target: FeatureSource; targetLabels: Int32Array; poolLabels: Int32Array }> {
  const d = await loadMnistDigits();
  const rows = (idx: Int32Array | number[]) => {
    const e = new Float32Array(idx.length * 784);
    idx.forEach((g, i) => {
      for (let j = 0; j < 784; j++) e[i * 784 + j] = d.pixels[g * 784 + j];
    });
    return e;
  };
  const poolIdx = mnistSplitIndices(d.count, 'pool');
  const held = Array.from(mnistSplitIndices(d.count, 'heldout'));
  const rng = new Rng(seed);
  const tIdx: number[] = [];
  for (const [c, n] of Object.entries(mix)) {
    const ofC = held.filter((g) => d.labels[g] === Number(c));
    rng.shuffle(ofC);
    if (ofC.length < n) throw new Error(`mnist:heldout has ${ofC.length} digits of class ${c}, need ${n}`);
    tIdx.push(...ofC.slice(0, n));
  }
  const poolLabels = Int32Array.from(poolIdx, (g) => d.labels[g]);
  const targetLabels = Int32Array.from(tIdx, (g) => d.labels[g]);
  return {
    pool: memoryFeatureSource({ name: 'mnist:pool', embeddings: rows(poolIdx), dim: 784, ids: Array.from(poolIdx, (g) => `mnist/${g}`), labels: poolLabels, encoder: 'raw-pixels' }),
    target: memoryFeatureSource({ name: 'mnist:heldout', embeddings: rows(tIdx), dim: 784, ids: tIdx.map((g) => `mnist/${g}`), labels: targetLabels, encoder: 'raw-pixels' }),
    targetLabels,
    poolLabels,
  };
}
