import type { ImageF32, ImageU8 } from '../image.js';
import type { ImageTransform } from '../augment/transform.js';
import { sampleRng } from './epoch-order.js';

/**
 * The two views of one sample: one generator from (seed, epoch, index), the standard view drawing
 * first and the augmented view next. The main thread and every worker call this one function, so a
 * sample's views never depend on where or in which order it was made.
 */
export function augmentViews(
  standard: ImageTransform,
  augment: ImageTransform,
  seed: number,
  epoch: number,
  index: number,
  img: ImageU8,
): { image: ImageF32; augmented: ImageF32 } {
  const rng = sampleRng(seed, epoch, index);
  const image = standard(img, rng);
  const augmented = augment(img, rng);
  return { image, augmented };
}
