import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { ResNet18Cifar, ResNet18Stl, Sgd } from '@twindb/core-tensors/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxParity } from '../../../test/nn/onnx-parity.js';
import { useBackend } from '../../../test/nn/test-backend.js';

let net: ResNet18Stl;
beforeAll(async () => {
  // wasm: the cpu backend's naive convolutions need many seconds for one 96×96 pass
  await useBackend('wasm');
  net = new ResNet18Stl({ rng: new Rng('stl') });
});
afterAll(() => net.dispose());

function randomImages(shape: [number, number, number, number], seed: string): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

describe('ResNet18Stl', () => {
  it('has the parameter count and the state-dict names and shapes of the CIFAR variant (resnet_stl.py)', () => {
    expect(net.numParameters()).toBe(11_168_832);
    const cifar = new ResNet18Cifar({ rng: new Rng('stl') });
    const layout = (m: ResNet18Cifar | ResNet18Stl) => [...m.namedParameters(), ...m.namedBuffers()].map(([n, v]) => `${n}:${v.shape.join('x')}`);
    expect(layout(net)).toEqual(layout(cifar));
    // same seed, same draw order: the CIFAR weights load into the STL net one to one
    expect(Array.from(net.namedParameters()[0][1].dataSync().slice(0, 5))).toEqual(Array.from(cifar.namedParameters()[0][1].dataSync().slice(0, 5)));
    cifar.dispose();
    const names = net.namedParameters().map(([n]) => n);
    expect(names).toContain('layer1.0.conv1.weight');
    expect(names).toContain('layer2.0.shortcut.0.weight');
    expect(names).toContain('layer4.0.shortcut.1.bias');
  });

  it('max-pools the 96×96 stem output to 49×49 and reaches layer4 at 7×7, then 512-d features', () => {
    const x = randomImages([1, 96, 96, 3], 'stl-x');
    const maps = net.featureMaps(x, { training: false });
    expect(maps.map((m) => m.shape)).toEqual([
      [1, 49, 49, 64],
      [1, 49, 49, 64],
      [1, 25, 25, 128],
      [1, 13, 13, 256],
      [1, 7, 7, 512],
    ]);
    const f = net.apply(x, { training: false });
    expect(f.shape).toEqual([1, 512]);
    // the fixed 7×7 pool over the 7×7 map is the mean of layer4
    const mean = tf.mean(maps[4], [1, 2]);
    expect(Math.max(...tf.abs(tf.sub(f, mean)).dataSync())).toBeLessThan(1e-5 * Math.max(...mean.dataSync()));
    expect(Math.min(...f.dataSync())).toBeGreaterThanOrEqual(0);
    tf.dispose([x, f, mean, ...maps]);
  });

  it('refuses any size but 96×96, naming the expected size', () => {
    const x = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    expect(() => net.apply(x)).toThrow(/ResNet18Stl: expected 96×96 images \[batch, 96, 96, 3\] .*got shape \[1,64,64,3\]/);
    const nchw = tf.zeros([1, 3, 96, 96]) as tf.Tensor4D;
    expect(() => net.apply(nchw)).toThrow(/ResNet18Stl: expected NHWC images/);
    tf.dispose([x, nchw]);
  });

  it('exports to ONNX: ONNX Runtime reproduces the tfjs forward pass (max rel. error < 1e-4)', async () => {
    const model = new ResNet18Stl({ rng: new Rng('stl-onnx') });
    const { error, dims } = await onnxParity(model, [96, 96, 3], 1, new Rng('stl-onnx-data'));
    expect(dims).toEqual([1, 512]);
    expect(error).toBeLessThan(1e-4);
    model.dispose();
  });

  it('trains: one SGD step on a batch of two changes every parameter and the running statistics', () => {
    const model = new ResNet18Stl({ rng: new Rng('stl-train') });
    const x = randomImages([2, 96, 96, 3], 'stl-train-x');
    const vars = model.parameters();
    const before = vars.map((v) => v.dataSync().slice());
    const meanBefore = model.namedBuffers()[0][1].dataSync().slice();
    const opt = new Sgd({ lr: 0.1, momentum: 0.9 });
    // a loss that depends on every feature, so that every parameter gets a gradient
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: true }))) as tf.Scalar, vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    opt.step(vars, grads);
    const unchanged = model.namedParameters().filter(([, v], i) => v.dataSync().every((a, j) => a === before[i][j]));
    expect(unchanged.map(([n]) => n)).toEqual([]);
    expect(model.namedBuffers()[0][1].dataSync()).not.toEqual(meanBefore);
    tf.dispose([x, value, ...Object.values(grads)]);
    opt.dispose();
    model.dispose();
  });
});
