import type { ImageTransform } from '../transform.js';
import { AugmentationConfig, parseKwargs } from './augmentation-kwargs.js';
import { digitsTransform } from './digits-transform.js';
import { simclrTransform } from './simclr-transform.js';
import { strongTransform } from './strong-transform.js';

/**
 * The training transform a config names (`augmentation_strategy` + `augmentation_kwargs`, as in the
 * SCAN YAML files, plus `digits` for the MNIST recipe).
 */
export function trainTransform(config: unknown): ImageTransform {
  const c = parseKwargs(AugmentationConfig, config, 'augmentation config');
  switch (c.augmentation_strategy) {
    case 'simclr':
      return simclrTransform(c.augmentation_kwargs);
    case 'ours':
      return strongTransform(c.augmentation_kwargs);
    case 'digits':
      return digitsTransform(c.augmentation_kwargs);
  }
}
