import type { ImageTransform } from '../transform.js';
import { parseKwargs, TransformationKwargs } from './augmentation-kwargs.js';
import { buildValTransform } from './build-val-transform.js';

/** The validation transform (spec §3.1): CenterCrop(crop_size) → ToTensor + Normalize. No randomness. */
export function valTransform(kwargs: TransformationKwargs): ImageTransform {
  return buildValTransform(parseKwargs(TransformationKwargs, kwargs, 'transformation_kwargs'));
}
