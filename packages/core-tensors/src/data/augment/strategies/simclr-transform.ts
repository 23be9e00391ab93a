import type { Rng } from '../../../math/random.js';
import type { ImageU8 } from '../../image.js';
import { colorJitter } from '../color-jitter.js';
import { grayscale } from '../enhance.js';
import { flipHorizontal } from '../flip.js';
import { normalize } from '../normalize.js';
import { randomResizedCrop } from '../random-resized-crop.js';
import type { ImageTransform } from '../transform.js';
import { parseKwargs, SimclrKwargs, type SimclrKwargsInput } from './augmentation-kwargs.js';

/**
 * SCAN's `simclr` strategy (spec §3.2): RandomResizedCrop → horizontal flip → ColorJitter with
 * probability p → RandomGrayscale → ToTensor + Normalize.
 */
export function simclrTransform(kwargs: SimclrKwargsInput): ImageTransform {
  const k = parseKwargs(SimclrKwargs, kwargs, 'simclr augmentation_kwargs');
  const size = k.random_resized_crop.size;
  const crop = { scale: k.random_resized_crop.scale, ratio: k.random_resized_crop.ratio };
  return (img: ImageU8, rng: Rng) => {
    let x = randomResizedCrop(img, size, size, crop, rng);
    if (rng.next() < k.random_horizontal_flip.p) x = flipHorizontal(x);
    if (rng.next() < k.color_jitter_random_apply.p) x = colorJitter(x, k.color_jitter, rng);
    if (rng.next() < k.random_grayscale.p) x = grayscale(x);
    return normalize(x, k.normalize);
  };
}
