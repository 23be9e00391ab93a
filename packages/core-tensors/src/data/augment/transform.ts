import type { Rng } from '../../math/random.js';
import type { ImageF32, ImageU8 } from '../image.js';
import type { TransformRecipe } from './strategies/transform-recipe.js';

/**
 * A full augmentation pipeline: 8-bit image in, normalised float image out. Every random choice comes
 * from `rng`, so one (seed, epoch, sample) gives one view, whatever the batch order or concurrency.
 */
export type ImageTransform = ((img: ImageU8, rng: Rng) => ImageF32) & {
  /** Set on the strategy transforms: lets AugmentedDataset run them in worker threads. */
  readonly recipe?: TransformRecipe;
};

/** An 8-bit image op with one magnitude parameter (as in the reference's augment list). */
export type ImageOp = (img: ImageU8, v: number) => ImageU8;

/** Applies a per-byte lookup table to every channel (or channel-specific tables). */
export function applyLut(img: ImageU8, lut: Uint8Array | readonly Uint8Array[]): ImageU8 {
  const out = new Uint8Array(img.data.length);
  const d = img.data;
  const c = img.channels;
  if (lut instanceof Uint8Array) {
    for (let i = 0; i < d.length; i++) out[i] = lut[d[i]];
  } else {
    for (let i = 0; i < d.length; i++) out[i] = lut[i % c][d[i]];
  }
  return { width: img.width, height: img.height, channels: c, data: out };
}

export function copyImage(img: ImageU8): ImageU8 {
  return { width: img.width, height: img.height, channels: img.channels, data: img.data.slice() };
}
