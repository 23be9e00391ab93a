import type { Rng } from '../math/random.js';
import type { Backbone } from './backbones/backbone.js';
import { ResNet18Cifar } from './backbones/resnet.js';
import { ResNet18Stl } from './backbones/resnet18-stl.js';
import { ResNet50 } from './backbones/resnet50.js';
import { SmallCnn } from './backbones/small-cnn.js';

export type BackboneName = 'resnet18' | 'resnet50' | 'small-cnn';

/** The two ResNet-18s of the reference: 3×3 stem without max-pool (CIFAR), or with it and a fixed 7×7 pool for 96×96 input (STL). */
export type ResNet18Variant = 'cifar' | 'stl';

const BACKBONE_NAMES: readonly BackboneName[] = ['resnet18', 'resnet50', 'small-cnn'];

/** Image channels a backbone takes unless the config says otherwise. */
export function defaultInChannels(name: BackboneName): 1 | 3 {
  return name === 'small-cnn' ? 1 : 3;
}

export interface CreateBackboneOptions {
  rng: Rng;
  inChannels?: number;
  /** resnet18 only; default `cifar` (the config resolves it from the train DBs). */
  variant?: ResNet18Variant;
}

/**
 * The backbone a config names. `resnet18` is the CIFAR variant of the reference (any image size,
 * adaptive pool) unless `variant: 'stl'` asks for the STL one (96×96 only); `resnet50` is
 * torchvision's ImageNet ResNet-50 (2048-d features).
 */
export function createBackbone(name: BackboneName, opts: CreateBackboneOptions): Backbone {
  if (!(BACKBONE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown backbone "${name as string}" (allowed: ${BACKBONE_NAMES.join(', ')})`);
  }
  if (opts.variant !== undefined && name !== 'resnet18') {
    throw new Error(`backbone "${name}" has no variants (variant "${opts.variant}" applies to resnet18 only: cifar, stl)`);
  }
  const inChannels = opts.inChannels ?? defaultInChannels(name);
  switch (name) {
    case 'resnet18': {
      const variant = opts.variant ?? 'cifar';
      if (variant === 'stl') return new ResNet18Stl({ rng: opts.rng, inChannels });
      if (variant === 'cifar') return new ResNet18Cifar({ rng: opts.rng, inChannels });
      throw new Error(`unknown resnet18 variant "${variant as string}" (allowed: cifar, stl)`);
    }
    case 'resnet50':
      return new ResNet50({ rng: opts.rng, inChannels });
    case 'small-cnn':
      return new SmallCnn({ rng: opts.rng, inChannels });
  }
}
