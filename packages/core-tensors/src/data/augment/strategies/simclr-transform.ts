import type { ImageTransform } from '../transform.js';
import { SimclrKwargs, parseKwargs, type SimclrKwargsInput } from './augmentation-kwargs.js';
import { buildSimclrTransform } from './build-simclr-transform.js';

/**
 * SCAN's `simclr` strategy (spec §3.2): RandomResizedCrop → horizontal flip → ColorJitter with
 * probability p → RandomGrayscale → ToTensor + Normalize.
 */
export function simclrTransform(kwargs: SimclrKwargsInput): ImageTransform {
  const k = parseKwargs(SimclrKwargs, kwargs, 'simclr augmentation_kwargs');
  return buildSimclrTransform(k);
}
