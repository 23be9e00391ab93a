import { Rng } from '@twindb/core-tensors';
import { SmallCnn } from '@twindb/core-tensors/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitBatch, randomBatch } from '../../../test/nn/fit-batch.js';
import { useBackend } from '../../../test/nn/test-backend.js';

beforeAll(() => useBackend('cpu'));

describe('training SmallCnn with SGD momentum (cpu)', () => {
  it('SmallCnn: gradients reach every parameter and the loss falls', () => {
    const net = new SmallCnn({ rng: new Rng('cnn') });
    const { x, labels } = randomBatch([4, 8, 8, 1], 'cnn-data');
    const { losses, missingGrads } = fitBatch(net, x, labels, 6, 0.05);
    expect(missingGrads).toEqual([]);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    x.dispose();
    net.dispose();
  });

});
