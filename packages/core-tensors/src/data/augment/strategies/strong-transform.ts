import type { Rng } from '../../../math/random.js';
import type { ImageU8 } from '../../image.js';
import { randomCrop } from '../crop.js';
import { cutout } from '../cutout.js';
import { flipHorizontal } from '../flip.js';
import { normalize } from '../normalize.js';
import { strongAugment } from '../strong-augment-ops.js';
import type { ImageTransform } from '../transform.js';
import { OursKwargs, parseKwargs, type OursKwargsInput } from './augmentation-kwargs.js';

/**
 * SCAN's `ours` strong strategy (spec §3.3): flip → RandomCrop(crop_size) → N ops of the 14-op list
 * → ToTensor + Normalize → Cutout on the normalised image.
 */
export function strongTransform(kwargs: OursKwargsInput): ImageTransform {
  const k = parseKwargs(OursKwargs, kwargs, 'ours augmentation_kwargs');
  const cut = { nHoles: k.cutout_kwargs.n_holes, length: k.cutout_kwargs.length };
  return (img: ImageU8, rng: Rng) => {
    let x = img;
    if (rng.next() < 0.5) x = flipHorizontal(x);
    x = randomCrop(x, k.crop_size, k.crop_size, rng);
    x = strongAugment(x, k.num_strong_augs, rng);
    return cutout(normalize(x, k.normalize), cut, rng);
  };
}
