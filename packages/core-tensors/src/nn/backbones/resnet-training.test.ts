import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { ResNet18Cifar } from '@twindb/core-tensors/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitBatch, randomBatch } from '../../../test/nn/fit-batch.js';
import { useBackend } from '../../../test/nn/test-backend.js';

beforeAll(() => useBackend('wasm'));

describe('training ResNet18Cifar with SGD momentum (wasm + twindb training kernels)', () => {
  it('ResNet18Cifar: gradients reach every parameter and the loss falls', () => {
    const net = new ResNet18Cifar({ rng: new Rng('resnet') });
    const { x, labels } = randomBatch([4, 8, 8, 3], 'resnet-data');
    const before = tf.memory().numTensors;
    const { losses, missingGrads } = fitBatch(net, x, labels, 4, 0.02);
    expect(missingGrads).toEqual([]);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    // optimiser state and intermediates are all released
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
