import os from 'node:os';
import path from 'node:path';
import { loadMnistDigits, mnistSplitIndices } from '@twindb/core-tensors/data';
import { Rng } from '@twindb/core-tensors';
import { memoryFeatureSource } from '../search/feature-source.js';
import { runSample, type SampleResult } from '../run-sample.js';
import type { SampleOptionsInput } from '../options.js';

/**
 * The embedded default of `twindb demo`: embeddings = L2-normalised raw pixels of mnist:pool
 * (8,000 digits, all classes) and of a target of 500 mnist:heldout digits of classes 0–4
 * (100 each), sampled in match mode. Later pipeline steps swap the pixels for learned features.
 */
export async function runMnistPixelDemo(
  opts: { out?: string; mix?: Record<number, number>; seed?: number; overwrite?: boolean } & Partial<SampleOptionsInput> = {},
  log: (msg: string) => void = () => {},
): Promise<SampleResult> {
  const { out, mix, seed, ...rest } = opts;
  const d = await loadMnistDigits();
  const pixels = (idx: ArrayLike<number>) => {
    const e = new Float32Array(idx.length * 784);
    for (let i = 0; i < idx.length; i++) e.set(d.pixels.subarray(idx[i] * 784, (idx[i] + 1) * 784), i * 784);
    return e;
  };
  const poolIdx = mnistSplitIndices(d.count, 'pool');
  const held = Array.from(mnistSplitIndices(d.count, 'heldout'));
  const rng = new Rng(seed ?? 1);
  const tIdx: number[] = [];
  for (const [c, n] of Object.entries(mix ?? { 0: 100, 1: 100, 2: 100, 3: 100, 4: 100 })) {
    const ofC = held.filter((g) => d.labels[g] === Number(c));
    rng.shuffle(ofC);
    if (ofC.length < n) throw new RangeError(`mnist:heldout has only ${ofC.length} digits of class ${c}; ${n} requested`);
    tIdx.push(...ofC.slice(0, n));
  }
  const pool = memoryFeatureSource({
    name: 'mnist:pool',
    embeddings: pixels(poolIdx),
    dim: 784,
    ids: Array.from(poolIdx, (g) => `mnist/${g}`),
    labels: Array.from(poolIdx, (g) => d.labels[g]),
    encoder: 'raw-pixels',
  });
  const target = memoryFeatureSource({
    name: 'mnist:heldout?classes=0-4',
    embeddings: pixels(tIdx),
    dim: 784,
    ids: tIdx.map((g) => `mnist/${g}`),
    labels: tIdx.map((g) => d.labels[g]),
    encoder: 'raw-pixels',
  });
  return runSample(
    { mode: 'match', k: 5, ...rest, target, pool: [pool], out: out ?? path.join(os.tmpdir(), 'twindb-demo'), overwrite: opts.overwrite ?? true },
    { log },
  );
}
