import type { ImageTransform } from '../transform.js';
import { buildDigitsTransform } from './build-digits-transform.js';
import { buildSimclrTransform } from './build-simclr-transform.js';
import { buildStrongTransform } from './build-strong-transform.js';
import { buildValTransform } from './build-val-transform.js';
import type { TransformRecipe } from './transform-recipe.js';

/**
 * The transform a recipe describes, built by the same builder as the original (so its results are
 * identical). Recipes hold validated kwargs, so nothing is parsed again and zod is never loaded.
 */
export function transformFromRecipe(r: TransformRecipe): ImageTransform {
  switch (r.strategy) {
    case 'simclr':
      return buildSimclrTransform(r.kwargs);
    case 'ours':
      return buildStrongTransform(r.kwargs);
    case 'digits':
      return buildDigitsTransform(r.kwargs);
    case 'val':
      return buildValTransform(r.kwargs);
  }
}
