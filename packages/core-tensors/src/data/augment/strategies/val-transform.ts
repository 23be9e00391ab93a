import type { ImageU8 } from '../../image.js';
import { centerCrop } from '../crop.js';
import { normalize } from '../normalize.js';
import type { ImageTransform } from '../transform.js';
import { parseKwargs, TransformationKwargs } from './augmentation-kwargs.js';

/** The validation transform (spec §3.1): CenterCrop(crop_size) → ToTensor + Normalize. No randomness. */
export function valTransform(kwargs: TransformationKwargs): ImageTransform {
  const k = parseKwargs(TransformationKwargs, kwargs, 'transformation_kwargs');
  return (img: ImageU8) => normalize(centerCrop(img, k.crop_size), k.normalize);
}
