import type { Rng } from '@twindb/core-tensors';
import type { Backbone } from './backbones/backbone.js';
import { ResNet18Cifar } from './backbones/resnet.js';
import { SmallCnn } from './backbones/small-cnn.js';

export type BackboneName = 'resnet18' | 'small-cnn';

/** Image channels a backbone takes unless the config says otherwise. */
export function defaultInChannels(name: BackboneName): 1 | 3 {
  return name === 'small-cnn' ? 1 : 3;
}

/**
 * The backbone a config names. `resnet18` is the CIFAR variant of the reference (3×3 stem, no
 * max-pool); it accepts any image size since its pool is adaptive.
 */
export function createBackbone(name: BackboneName, opts: { rng: Rng; inChannels?: number }): Backbone {
  const inChannels = opts.inChannels ?? defaultInChannels(name);
  switch (name) {
    case 'resnet18':
      return new ResNet18Cifar({ rng: opts.rng, inChannels });
    case 'small-cnn':
      return new SmallCnn({ rng: opts.rng, inChannels });
    default:
      throw new Error(`unknown backbone "${name as string}" (allowed: resnet18, small-cnn)`);
  }
}
