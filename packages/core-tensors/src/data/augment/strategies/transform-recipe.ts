import type { DigitsKwargs, OursKwargs, SimclrKwargs, TransformationKwargs } from './augmentation-kwargs.js';

/**
 * What a strategy transform was built from: plain data, so that a worker thread (which cannot
 * receive a closure) rebuilds the very same transform with transformFromRecipe.
 */
export type TransformRecipe =
  | { strategy: 'simclr'; kwargs: SimclrKwargs }
  | { strategy: 'ours'; kwargs: OursKwargs }
  | { strategy: 'digits'; kwargs: DigitsKwargs }
  | { strategy: 'val'; kwargs: TransformationKwargs };

/** Tags a transform with its recipe (read-only, so that the tag cannot drift from the closure). */
export function withRecipe<F extends object>(transform: F, recipe: TransformRecipe): F & { readonly recipe: TransformRecipe } {
  return Object.defineProperty(transform, 'recipe', { value: recipe, enumerable: false, writable: false }) as F & { readonly recipe: TransformRecipe };
}

/** The output side of a recipe's views (the work per view grows with its square). */
export function recipeOutputSize(r: TransformRecipe): number {
  switch (r.strategy) {
    case 'simclr':
    case 'digits':
      return r.kwargs.random_resized_crop.size;
    case 'ours':
    case 'val':
      return r.kwargs.crop_size;
  }
}
