import type { ImageTransform } from '../transform.js';
import { DigitsKwargs, parseKwargs, type DigitsKwargsInput } from './augmentation-kwargs.js';
import { buildDigitsTransform } from './build-digits-transform.js';

/**
 * The digit recipe of mnist-anchor.md: one affine warp (random resized crop + rotation, bilinear,
 * zero fill); with probability p a stroke-width jitter (3×3 dilation or erosion, 50/50, blended with
 * the input by α ~ U(0, 1)); then normalise. No flip (a mirrored digit is another glyph) and no
 * colour jitter (one near-binary channel).
 */
export function digitsTransform(kwargs: DigitsKwargsInput = { random_resized_crop: { size: 28 } }): ImageTransform {
  const k = parseKwargs(DigitsKwargs, kwargs, 'digits augmentation_kwargs');
  return buildDigitsTransform(k);
}
