import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { ResNet50 } from '@twindb/core-tensors/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxParity } from '../../../test/nn/onnx-parity.js';
import { useBackend } from '../../../test/nn/test-backend.js';

let net: ResNet50;
beforeAll(async () => {
  await useBackend('wasm');
  net = new ResNet50({ rng: new Rng('r50') });
});
afterAll(() => net.dispose());

const shapeOf = (name: string) => {
  const found = [...net.namedParameters(), ...net.namedBuffers()].find(([n]) => n === name);
  if (!found) throw new Error(`no state ${name}`);
  return found[1].shape;
};

describe('ResNet50', () => {
  it('has torchvision resnet50’s parameter count (without fc) and state-dict layout', () => {
    // 25,557,032 with the 2048→1000 fc, minus its 2,049,000 (spec §4.5)
    expect(net.numParameters()).toBe(23_508_032);
    const names = net.namedParameters().map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    // stem (conv + BN γ, β) + 16 bottlenecks × 9 + 4 downsamples × 3
    expect(names.length).toBe(3 + 16 * 9 + 4 * 3);
    // 53 batch norms, two running statistics each
    expect(net.namedBuffers().length).toBe(2 * 53);
    expect(shapeOf('conv1.weight')).toEqual([7, 7, 3, 64]);
    // layer1 widens 64 → 256 at stride 1, so it has a downsample too
    expect(shapeOf('layer1.0.downsample.0.weight')).toEqual([1, 1, 64, 256]);
    expect(names).not.toContain('layer1.1.downsample.0.weight');
    // v1.5: the stride-2 3×3 conv of layer2.0 is 128 → 128; its 1×1 convs reduce and expand
    expect(shapeOf('layer2.0.conv1.weight')).toEqual([1, 1, 256, 128]);
    expect(shapeOf('layer2.0.conv2.weight')).toEqual([3, 3, 128, 128]);
    expect(shapeOf('layer2.0.conv3.weight')).toEqual([1, 1, 128, 512]);
    expect(shapeOf('layer3.5.bn3.running_var')).toEqual([1024]);
    expect(shapeOf('layer4.0.downsample.1.weight')).toEqual([2048]);
    expect(names).not.toContain('layer4.3.conv1.weight');
  });

  it('maps [1, 64, 64, 3] to non-negative 2048-d features, and refuses NCHW input', () => {
    const rng = new Rng('r50-x');
    const x = tf.tensor4d(Float32Array.from({ length: 64 * 64 * 3 }, () => rng.normal()), [1, 64, 64, 3]);
    const f = net.apply(x, { training: false });
    expect(f.shape).toEqual([1, 2048]);
    const v = f.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeGreaterThan(0);
    const nchw = tf.zeros([1, 3, 64, 64]) as tf.Tensor4D;
    expect(() => net.apply(nchw)).toThrow(/ResNet50: expected NHWC images \[batch, height, width, 3\], got shape \[1,3,64,64\]/);
    tf.dispose([x, f, nchw]);
  });

  it('exports to ONNX: ONNX Runtime reproduces the tfjs forward pass at 64×64 (max rel. error < 1e-4)', async () => {
    // 64 is even: a 'same'-padded stem or pool would pad 2 before / 3 after and miss ONNX's (PyTorch's) symmetric grid
    const { error, dims } = await onnxParity(net, [64, 64, 3], 2, new Rng('r50-onnx'));
    expect(dims).toEqual([2, 2048]);
    expect(error).toBeLessThan(1e-4);
  });
});
