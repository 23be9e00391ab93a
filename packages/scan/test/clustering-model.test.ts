import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { SmallCnn } from '@twindb/core-tensors/nn';
import { ClusteringModel } from '@twindb/scan';
import { beforeAll, describe, expect, it } from 'vitest';

describe('ClusteringModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('puts H linear heads of K logits on the backbone, under the reference\'s state-dict names', () => {
    const rng = new Rng('clustering');
    const model = new ClusteringModel(new SmallCnn({ rng }), { nclusters: 10, nheads: 3, rng });
    const names = model.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.startsWith('cluster_head.'))).toEqual([
      'cluster_head.0.weight', 'cluster_head.0.bias', 'cluster_head.1.weight', 'cluster_head.1.bias', 'cluster_head.2.weight', 'cluster_head.2.bias',
    ]);
    expect(names).toContain('backbone.conv3.weight');
    const x = tf.randomNormal([2, 28, 28, 1]) as tf.Tensor4D;
    expect(model.apply(x, { training: false }).shape).toEqual([3, 2, 10]);
    const all = model.returnAll(x, { training: false });
    expect(all.features.shape).toEqual([2, 128]);
    expect(all.output.map((o) => o.shape)).toEqual([[2, 10], [2, 10], [2, 10]]);
    expect(model.headLogits(all.features)).toHaveLength(3);
    expect(() => new ClusteringModel(new SmallCnn({ rng }), { nclusters: 1, rng })).toThrow(/nclusters must be an integer ≥ 2, got 1/);
  });
});
