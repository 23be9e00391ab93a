import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  disableKernelProfile,
  enableKernelProfile,
  formatKernelProfile,
  kernelProfile,
  kernelProfileDetails,
  profileRequestedByEnv,
  profileScope,
  resetKernelProfile,
} from './kernel-profile.js';

/** Burns about `ms` of CPU on this thread. */
function spin(ms: number): void {
  const t0 = process.cpuUsage();
  let x = 0;
  while ((process.cpuUsage(t0).user + process.cpuUsage(t0).system) / 1000 < ms) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable');
}

describe('kernel profile', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    disableKernelProfile();
    resetKernelProfile();
  });

  it('counts every call of every kernel of the backend, and nothing while off', () => {
    const a = tf.tensor1d([1, 2, 3]);
    tf.add(a, a).dispose(); // before enabling: not recorded
    enableKernelProfile('cpu');
    resetKernelProfile();
    for (let i = 0; i < 3; i++) tf.add(a, a).dispose();
    tf.mul(a, a).dispose();
    disableKernelProfile();
    tf.add(a, a).dispose(); // after disabling: not recorded
    a.dispose();
    const rows = new Map(kernelProfile().map((r) => [r.kernel, r]));
    expect(rows.get('Add')?.calls).toBe(3);
    expect(rows.get('Multiply')?.calls).toBe(1);
  });

  it('times scopes exclusively: a child is subtracted from its parent, so rows add up to the total', () => {
    enableKernelProfile('cpu');
    resetKernelProfile();
    const t0 = process.cpuUsage();
    profileScope('outer', () => {
      spin(30);
      profileScope('inner', () => spin(60), 'layer A');
    });
    const total = (process.cpuUsage(t0).user + process.cpuUsage(t0).system) / 1000;
    const rows = new Map(kernelProfile().map((r) => [r.kernel, r]));
    const outer = rows.get('outer')!.cpuMs;
    const inner = rows.get('inner')!.cpuMs;
    expect(inner).toBeGreaterThanOrEqual(55);
    expect(outer).toBeGreaterThanOrEqual(25);
    expect(outer).toBeLessThan(55); // without the subtraction it would hold inner's 60 ms too
    expect(outer + inner).toBeLessThanOrEqual(total + 1);
    expect(kernelProfileDetails()).toEqual([expect.objectContaining({ kernel: 'inner layer A', calls: 1 })]);
    // the table lists the larger row first, with its share of the profiled time
    const table = formatKernelProfile().split('\n');
    expect(table[1]).toMatch(/^inner\s+1\s+\d+\.\d\s+\d+\.\d%$/);
    expect(table[2]).toMatch(/^outer\s+1\s/);
  });

  it('records nothing and returns the result when off', () => {
    expect(profileScope('off', () => 42)).toBe(42);
    expect(kernelProfile()).toEqual([]);
  });

  it('is requested by TWINDB_PROFILE=1 (or true/yes) only', () => {
    expect(profileRequestedByEnv({ TWINDB_PROFILE: '1' })).toBe(true);
    expect(profileRequestedByEnv({ TWINDB_PROFILE: 'yes' })).toBe(true);
    expect(profileRequestedByEnv({ TWINDB_PROFILE: '0' })).toBe(false);
    expect(profileRequestedByEnv({})).toBe(false);
  });
});
