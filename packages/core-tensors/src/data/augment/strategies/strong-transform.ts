import type { ImageTransform } from '../transform.js';
import { OursKwargs, parseKwargs, type OursKwargsInput } from './augmentation-kwargs.js';
import { buildStrongTransform } from './build-strong-transform.js';

/**
 * SCAN's `ours` strong strategy (spec §3.3): flip → RandomCrop(crop_size) → N ops of the 14-op list
 * → ToTensor + Normalize → Cutout on the normalised image.
 */
export function strongTransform(kwargs: OursKwargsInput): ImageTransform {
  const k = parseKwargs(OursKwargs, kwargs, 'ours augmentation_kwargs');
  return buildStrongTransform(k);
}
