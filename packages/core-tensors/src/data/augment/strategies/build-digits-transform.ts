import type { Rng } from '../../../math/random.js';
import type { ImageF32, ImageU8 } from '../../image.js';
import { randomCropRotate } from '../digit-warp.js';
import { morph3x3 } from '../morphology.js';
import type { ImageTransform } from '../transform.js';
import type { DigitsKwargs } from './augmentation-kwargs.js';
import { withRecipe } from './transform-recipe.js';

/**
 * The `digits` transform (digitsTransform) from kwargs already validated. Kept apart from the factory so
 * that building it loads no zod: augment worker threads rebuild transforms this way, and start faster.
 */
export function buildDigitsTransform(k: DigitsKwargs): ImageTransform {
  const size = k.random_resized_crop.size;
  const crop = { scale: k.random_resized_crop.scale, ratio: k.random_resized_crop.ratio };
  const transform = (img: ImageU8, rng: Rng) => {
    const x = randomCropRotate(img, size, size, crop, k.rotation.degrees, rng);
    if (rng.next() < k.stroke_width.p) {
      const m = morph3x3(x, rng.next() < 0.5 ? 'dilate' : 'erode');
      const a = rng.next();
      const d = x.data;
      for (let i = 0; i < d.length; i++) d[i] += a * (m.data[i] - d[i]);
    }
    return normalizeFloat(x, k.normalize.mean, k.normalize.std);
  };
  return withRecipe(transform, { strategy: 'digits', kwargs: k });
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
