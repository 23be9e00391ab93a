import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { ResNet18Cifar } from '@twindb/core-tensors/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../test/nn/test-backend.js';

let net: ResNet18Cifar;
beforeAll(async () => {
  // wasm: the cpu backend's naive convolutions take many seconds for one 32×32 forward pass
  await useBackend('wasm');
  net = new ResNet18Cifar({ rng: new Rng(7) });
});
afterAll(() => net.dispose());

function sampleStd(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m += values[i] / values.length;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

const param = (name: string) => {
  const found = net.namedParameters().find(([n]) => n === name);
  if (!found) throw new Error(`no parameter ${name}`);
  return found[1];
};

describe('ResNet18Cifar', () => {
  it('has the parameter count and state-dict layout of the reference resnet_cifar.py', () => {
    // The reference backbone's count (spec §4.5), re-counted in PyTorch by tools/bench/peers/train_step.py.
    expect(net.numParameters()).toBe(11_168_832);
    const names = net.namedParameters().map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    // stem (conv + BN γ, β) + 8 blocks × 6 + 3 projections × 3
    expect(names.length).toBe(3 + 8 * 6 + 3 * 3);
    expect(names).toContain('layer1.1.bn2.bias');
    expect(names).toContain('layer2.0.shortcut.0.weight');
    expect(names).toContain('layer4.0.shortcut.1.weight');
    expect(names).not.toContain('layer1.0.shortcut.0.weight');
    expect(names).not.toContain('layer2.1.shortcut.0.weight');
    // 20 batch norms, two running statistics each, none trainable
    expect(net.namedBuffers().length).toBe(40);
    expect(net.buffers().every((b) => !b.trainable)).toBe(true);
    expect(net.parameters().every((p) => p.trainable)).toBe(true);
  });

  it('initialises convs Kaiming-normal with fan-out and batch norms to γ = 1, β = 0', () => {
    const w = param('layer4.1.conv2.weight');
    expect(w.shape).toEqual([3, 3, 512, 512]);
    expect(sampleStd(w.dataSync())).toBeCloseTo(Math.sqrt(2 / (512 * 9)), 3);
    const proj = param('layer3.0.shortcut.0.weight');
    expect(proj.shape).toEqual([1, 1, 128, 256]);
    expect(sampleStd(proj.dataSync())).toBeCloseTo(Math.sqrt(2 / 256), 2);
    expect(param('conv1.weight').shape).toEqual([3, 3, 3, 64]);
    expect(new Set(param('layer2.0.bn1.weight').dataSync())).toEqual(new Set([1]));
    expect(new Set(param('layer2.0.bn1.bias').dataSync())).toEqual(new Set([0]));
  });

  it('maps 32×32×3 images to non-negative 512-d features, and other sizes too', () => {
    const rng = new Rng(2);
    const x = tf.tensor4d(Float32Array.from({ length: 32 * 32 * 3 }, () => rng.normal()), [1, 32, 32, 3]);
    const f = net.apply(x, { training: false });
    expect(f.shape).toEqual([1, 512]);
    // the last op before the pool is a ReLU
    const v = f.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeGreaterThan(0);
    const small = tf.zeros([3, 8, 8, 3]) as tf.Tensor4D;
    const g = net.apply(small, { training: false });
    expect(g.shape).toEqual([3, 512]);
    tf.dispose([x, f, small, g]);
  });

  it('rejects NCHW input with a message naming the expected layout', () => {
    const x = tf.zeros([1, 3, 32, 32]) as tf.Tensor4D;
    expect(() => net.apply(x)).toThrow(/ResNet18Cifar: expected NHWC images \[batch, height, width, 3\], got shape \[1,3,32,32\]/);
    x.dispose();
  });
});
