import type { Rng } from '../../../math/random.js';
import type { ImageU8 } from '../../image.js';
import { colorJitter } from '../color-jitter.js';
import { grayscale } from '../enhance.js';
import { flipHorizontal } from '../flip.js';
import { normalize } from '../normalize.js';
import { randomResizedCrop } from '../random-resized-crop.js';
import type { ImageTransform } from '../transform.js';
import type { SimclrKwargs } from './augmentation-kwargs.js';
import { withRecipe } from './transform-recipe.js';

/**
 * The `simclr` transform (simclrTransform) from kwargs already validated. Kept apart from the factory so
 * that building it loads no zod: augment worker threads rebuild transforms this way, and start faster.
 */
export function buildSimclrTransform(k: SimclrKwargs): ImageTransform {
  const size = k.random_resized_crop.size;
  const crop = { scale: k.random_resized_crop.scale, ratio: k.random_resized_crop.ratio };
  const transform = (img: ImageU8, rng: Rng) => {
    let x = randomResizedCrop(img, size, size, crop, rng);
    if (rng.next() < k.random_horizontal_flip.p) x = flipHorizontal(x);
    if (rng.next() < k.color_jitter_random_apply.p) x = colorJitter(x, k.color_jitter, rng);
    if (rng.next() < k.random_grayscale.p) x = grayscale(x);
    return normalize(x, k.normalize);
  };
  return withRecipe(transform, { strategy: 'simclr', kwargs: k });
}
