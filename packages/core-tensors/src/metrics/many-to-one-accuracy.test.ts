import { describe, expect, it } from 'vitest';
import { clusteringAccuracy } from './clustering-accuracy.js';
import { majorityVoteMapping, manyToOneAccuracy } from './many-to-one-accuracy.js';

describe('manyToOneAccuracy', () => {
  it('maps each cluster to its majority class, several clusters to one class allowed', () => {
    // Over-clustering: class 0 split into clusters 0 and 1, class 1 is cluster 2 (one sample of class 0 strays in).
    const pred = [0, 0, 1, 1, 2, 2, 2];
    const truth = [0, 0, 0, 0, 1, 1, 0];
    expect([...majorityVoteMapping(pred, truth)]).toEqual([0, 0, 1]);
    expect(manyToOneAccuracy(pred, truth)).toBeCloseTo(6 / 7, 12);
    // One-to-one matching can use only one of clusters 0/1 for class 0: 2 + 2 = 4 of 7.
    expect(clusteringAccuracy(pred, truth)).toBeCloseTo(4 / 7, 12);
  });

  it('breaks vote ties by the lower class and maps empty clusters to -1', () => {
    // cluster 0 votes [1, 1] → class 0; cluster 1 is empty.
    expect([...majorityVoteMapping([0, 0, 2], [1, 0, 1], 3, 2)]).toEqual([0, -1, 1]);
  });
});
