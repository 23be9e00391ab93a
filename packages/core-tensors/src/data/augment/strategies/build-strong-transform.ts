import type { Rng } from '../../../math/random.js';
import type { ImageU8 } from '../../image.js';
import { randomCrop } from '../crop.js';
import { cutout } from '../cutout.js';
import { flipHorizontal } from '../flip.js';
import { normalize } from '../normalize.js';
import { strongAugment } from '../strong-augment-ops.js';
import type { ImageTransform } from '../transform.js';
import type { OursKwargs } from './augmentation-kwargs.js';
import { withRecipe } from './transform-recipe.js';

/**
 * The `ours` transform (strongTransform) from kwargs already validated. Kept apart from the factory so
 * that building it loads no zod: augment worker threads rebuild transforms this way, and start faster.
 */
export function buildStrongTransform(k: OursKwargs): ImageTransform {
  const cut = { nHoles: k.cutout_kwargs.n_holes, length: k.cutout_kwargs.length };
  const transform = (img: ImageU8, rng: Rng) => {
    let x = img;
    if (rng.next() < 0.5) x = flipHorizontal(x);
    x = randomCrop(x, k.crop_size, k.crop_size, rng);
    x = strongAugment(x, k.num_strong_augs, rng);
    return cutout(normalize(x, k.normalize), cut, rng);
  };
  return withRecipe(transform, { strategy: 'ours', kwargs: k });
}
