import type { ImageU8 } from '../../image.js';
import { centerCrop } from '../crop.js';
import { normalize } from '../normalize.js';
import type { ImageTransform } from '../transform.js';
import type { TransformationKwargs } from './augmentation-kwargs.js';
import { withRecipe } from './transform-recipe.js';

/**
 * The validation transform (valTransform) from kwargs already validated. Kept apart from the factory
 * so that building it loads no zod: augment worker threads rebuild transforms this way, and start faster.
 */
export function buildValTransform(k: TransformationKwargs): ImageTransform {
  return withRecipe((img: ImageU8) => normalize(centerCrop(img, k.crop_size), k.normalize), { strategy: 'val', kwargs: k });
}
