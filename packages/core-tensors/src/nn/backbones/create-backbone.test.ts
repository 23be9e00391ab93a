import { Rng } from '@twindb/core-tensors';
import { type BackboneName, createBackbone, defaultInChannels, ResNet18Cifar, ResNet18Stl, ResNet50, SmallCnn } from '@twindb/core-tensors/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../test/nn/test-backend.js';

beforeAll(() => useBackend('cpu'));

describe('createBackbone', () => {
  it('builds each named backbone, the ResNet-18 in the variant asked for', () => {
    const cases: Array<[BackboneName, 'cifar' | 'stl' | undefined, unknown, number]> = [
      ['resnet18', undefined, ResNet18Cifar, 512],
      ['resnet18', 'cifar', ResNet18Cifar, 512],
      ['resnet18', 'stl', ResNet18Stl, 512],
      ['resnet50', undefined, ResNet50, 2048],
      ['small-cnn', undefined, SmallCnn, 128],
    ];
    for (const [name, variant, cls, dim] of cases) {
      const b = createBackbone(name, { rng: new Rng(1), variant });
      expect(b).toBeInstanceOf(cls);
      expect(b.featureDim).toBe(dim);
      expect(b.inChannels).toBe(defaultInChannels(name));
      b.dispose();
    }
    expect(defaultInChannels('resnet50')).toBe(3);
    expect(defaultInChannels('small-cnn')).toBe(1);
  });

  it('names the allowed values of an unknown backbone or a misplaced variant', () => {
    expect(() => createBackbone('vgg16' as BackboneName, { rng: new Rng(1) })).toThrow('unknown backbone "vgg16" (allowed: resnet18, resnet50, small-cnn)');
    expect(() => createBackbone('small-cnn', { rng: new Rng(1), variant: 'stl' })).toThrow(/backbone "small-cnn" has no variants .*resnet18 only: cifar, stl/);
    expect(() => createBackbone('resnet18', { rng: new Rng(1), variant: 'imagenet' as 'stl' })).toThrow('unknown resnet18 variant "imagenet" (allowed: cifar, stl)');
  });
});
