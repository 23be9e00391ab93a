import { hashString, Rng } from '../../math/random.js';

/**
 * The sample order of one epoch: a seeded permutation when shuffling (a fresh one per epoch), else
 * 0..n−1. The same (seed, epoch) always gives the same order.
 */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  if (!shuffle) return Int32Array.from({ length: n }, (_, i) => i);
  return new Rng(hashString(`order:${seed}:${epoch}`)).permutation(n);
}

/**
 * The generator of one sample's random choices in one epoch. Deriving it from (seed, epoch, index)
 * instead of drawing from a shared stream makes a view independent of batch order and concurrency,
 * and lets a resumed run reproduce any epoch.
 */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return new Rng(hashString(`sample:${seed}:${epoch}:${index}`));
}
