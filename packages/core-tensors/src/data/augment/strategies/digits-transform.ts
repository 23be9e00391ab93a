import type { Rng } from '../../../math/random.js';
import type { ImageF32, ImageU8 } from '../../image.js';
import { randomCropRotate } from '../digit-warp.js';
import { morph3x3 } from '../morphology.js';
import type { ImageTransform } from '../transform.js';
import { DigitsKwargs, parseKwargs, type DigitsKwargsInput } from './augmentation-kwargs.js';

/**
 * The digit recipe of mnist-anchor.md: one affine warp (random resized crop + rotation, bilinear,
 * zero fill); with probability p a stroke-width jitter (3×3 dilation or erosion, 50/50, blended with
 * the input by α ~ U(0, 1)); then normalise. No flip (a mirrored digit is another glyph) and no
 * colour jitter (one near-binary channel).
 */
export function digitsTransform(kwargs: DigitsKwargsInput = { random_resized_crop: { size: 28 } }): ImageTransform {
  const k = parseKwargs(DigitsKwargs, kwargs, 'digits augmentation_kwargs');
  const size = k.random_resized_crop.size;
  const crop = { scale: k.random_resized_crop.scale, ratio: k.random_resized_crop.ratio };
  return (img: ImageU8, rng: Rng) => {
    const x = randomCropRotate(img, size, size, crop, k.rotation.degrees, rng);
    if (rng.next() < k.stroke_width.p) {
      const m = morph3x3(x, rng.next() < 0.5 ? 'dilate' : 'erode');
      const a = rng.next();
      const d = x.data;
      for (let i = 0; i < d.length; i++) d[i] += a * (m.data[i] - d[i]);
    }
    return normalizeFloat(x, k.normalize.mean, k.normalize.std);
  };
}

function normalizeFloat(img: ImageF32, mean: readonly number[], std: readonly number[]): ImageF32 {
  const c = img.channels;
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const ch = i % c;
    d[i] = (d[i] - (mean.length === 1 ? mean[0] : mean[ch])) / (std.length === 1 ? std[0] : std[ch]);
  }
  return img;
}
