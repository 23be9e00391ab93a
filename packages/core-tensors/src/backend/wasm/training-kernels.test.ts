/**
 * Every wasm training kernel against the `cpu` backend on seeded random inputs.
 * Relative error = max|wasm − cpu| / max(1, max|cpu|), required < 1e-4.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { filterGradGemm, type FilterGradGeometry } from './filter-grad-gemm.js';
import { filterGradMethod } from './filter-grad-method.js';
import { filterGradTransposedConv } from './filter-grad-transposed-conv.js';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter.js';
import { nchwcBlockSize } from './ort-conv/nchwc.js';
import { ortConvChoices, ortConvSessionCount, setConvEngine, type ConvEngine, type ConvMethodChoice } from './ort-conv/ort-conv.js';
import { registerWasmTrainingKernels } from './register-training-kernels.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: number;
  pad: Pad;
}

function randomData(rng: Rng, shape: number[]): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

async function onBackend(name: string, fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  return tf.tidy(() => fn().dataSync() as Float32Array);
}

function forwardOutShape(c: ConvCase): number[] {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros([c.k, c.k, c.x[3], c.co]) as tf.Tensor4D, c.stride, c.pad).shape);
}

const explicitPad: Pad = [[0, 0], [2, 0], [1, 3], [0, 0]];
const cases: ConvCase[] = [];
for (const k of [1, 3, 7]) {
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid', explicitPad] as Pad[]) {
      cases.push({ x: [2, 9, 11, 3], k, co: 5, stride, pad });
    }
  }
}
cases.push({ x: [3, 8, 8, 16], k: 3, co: 8, stride: 2, pad: 'same' });
cases.push({ x: [1, 13, 7, 8], k: 3, co: 16, stride: 1, pad: 'valid' });
cases.push({ x: [4, 6, 6, 1], k: 1, co: 1, stride: 1, pad: 'valid' });
cases.push({ x: [2, 10, 10, 4], k: 7, co: 6, stride: 2, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] });
// Wide enough for the kernel to pick the transposed-conv filter gradient.
cases.push({ x: [2, 9, 9, 16], k: 3, co: 8, stride: 1, pad: 'same' });
// Whole NCHWc channel blocks (8 with AVX2, 16 with AVX-512) on both sides, strided and not.
cases.push({ x: [2, 9, 11, 8], k: 3, co: 16, stride: 2, pad: explicitPad });
cases.push({ x: [2, 6, 7, 32], k: 3, co: 16, stride: 1, pad: 'same' });
// Strided with sizes divisible by the stride: the nchwc input gradient runs one conv per phase.
cases.push({ x: [2, 8, 10, 8], k: 3, co: 16, stride: 2, pad: 'same' });
cases.push({ x: [2, 8, 8, 16], k: 3, co: 8, stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] });
// A 1×1 strided shortcut on sizes divisible by the stride: its im2col input gradient is one GEMM, spread.
cases.push({ x: [2, 8, 10, 8], k: 1, co: 16, stride: 2, pad: 'valid' });

function geometryOf(c: ConvCase): FilterGradGeometry {
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, c.x[3], c.co], c.stride, 1, c.pad as never);
  return {
    n: info.batchSize, h: info.inHeight, w: info.inWidth, ci: info.inChannels, co: info.outChannels,
    ho: info.outHeight, wo: info.outWidth, kh: info.filterHeight, kw: info.filterWidth,
    sh: info.strideHeight, sw: info.strideWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}

const label = (c: ConvCase) => `x=${c.x.join('x')} k=${c.k} co=${c.co} s=${c.stride} pad=${JSON.stringify(c.pad)}`;

describe('wasm training kernels', () => {
  let names: string[] = [];
  beforeAll(async () => {
    names = registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('registers the conv gradient kernels once, on the wasm backend only', () => {
    expect(names).toEqual(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Tile', 'Sum', 'Mean', 'MaxPoolGrad', 'Identity', 'TwindbBatchNormActTrain', 'TwindbBatchNormActTrainGrad', 'BatchMatMul', 'TwindbBatchNormActInfer']);
    expect(registerWasmTrainingKernels()).toEqual(names);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(conv2DBackpropFilterConfig);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).not.toBe(conv2DBackpropFilterConfig);
  });

  // Every conv kernel on both engines: XNNPACK, and ONNX Runtime with every layer sent to it, in
  // each graph form (ORT's Conv, one im2col GEMM, the blocked NCHWc Conv where channels are whole
  // blocks; the strided input gradient has only the first).
  const engines: { engine: ConvEngine; method: ConvMethodChoice; label: string }[] = [
    { engine: 'xnnpack', method: 'auto', label: 'xnnpack' },
    { engine: 'ort', method: 'direct', label: 'ort direct' },
    { engine: 'ort', method: 'im2col', label: 'ort im2col' },
    { engine: 'ort', method: 'nchwc', label: 'ort nchwc' },
    { engine: 'ort', method: 'auto', label: 'ort auto' },
  ];
  const onEngine = async <T>(engine: ConvEngine, fn: () => Promise<T>, method: ConvMethodChoice = 'auto'): Promise<T> => {
    setConvEngine(engine, { minMacs: 0, method });
    try {
      return await fn();
    } finally {
      setConvEngine('xnnpack');
    }
  };
  const engineCases = engines.flatMap(({ engine, method, label }) => cases.map((c, i) => ({ engine, method, label: `${label} #${i}`, c })));
  // The filter gradient has one more form, tap-views (stride 1 only; other layers fall back to direct).
  const filterGradCases = [...engineCases, ...cases.map((c, i) => ({ engine: 'ort' as const, method: 'tap-views' as const, label: `ort tap-views #${i}`, c }))];

  it('sends convolutions to ONNX Runtime only under the ort engine', async () => {
    await tf.setBackend('wasm');
    const conv = () => tf.tidy(() => tf.conv2d(tf.ones([1, 7, 5, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, 1, 'same').dataSync());
    const before = ortConvSessionCount();
    conv();
    expect(ortConvSessionCount()).toBe(before);
    // (choosing another graph form drops the sessions built so far)
    const viaOrt = await onEngine('ort', async () => [conv(), ortConvSessionCount()] as const, 'direct');
    expect(viaOrt[1]).toBe(1);
    expect(Array.from(viaOrt[0])).toEqual(Array.from(conv()));
  });

  it('under the auto method times XNNPACK and both ORT forms on first use and keeps one per layer', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng('auto-conv');
    const x = randomData(rng, [2, 9, 9, 8]);
    const w = randomData(rng, [3, 3, 8, 4]);
    const conv = () => tf.tidy(() => Array.from(tf.conv2d(tf.tensor(x, [2, 9, 9, 8]) as tf.Tensor4D, tf.tensor(w, [3, 3, 8, 4]) as tf.Tensor4D, 1, 'same').dataSync()));
    const [choices, first, second] = await onEngine('ort', async () => {
      const tuned = conv();
      return [ortConvChoices().filter((c) => c.layer.startsWith('forward:2,9,9,8,4,')), tuned, conv()] as const;
    });
    // the call that tuned returns what the kept runner computes, bit for bit (exact resume needs it)
    expect(first).toEqual(second);
    expect(choices).toHaveLength(1);
    expect(Object.keys(choices[0].timings).sort()).toEqual(['direct', 'im2col', 'xnnpack']);
    expect(['direct', 'im2col', 'xnnpack']).toContain(choices[0].runner);
  });

  it('under auto, times tap-views for a filter gradient only where its zero bands add at most 10 %', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng('auto-tap-views');
    const timedForms = (h: number) => {
      const x = randomData(rng, [1, h, h, 4]);
      const dy = randomData(rng, [1, h, h, 4]);
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 4] };
      tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, [1, h, h, 4]), dy: tf.tensor(dy, [1, h, h, 4]) }, attrs as never) as tf.Tensor).dataSync());
      const choice = ortConvChoices().find((c) => c.layer.startsWith(`filter-grad:1,${h},${h},4,4,`));
      return Object.keys(choice?.timings ?? {}).sort();
    };
    const [wide, narrow] = await onEngine('ort', async () => [timedForms(24), timedForms(9)] as const);
    // 24×24 with pad 1: 25·25 / 24² = 1.085; 9×9: 10·10 / 81 = 1.23
    expect(wide).toEqual(['direct', 'im2col', 'tap-views', 'xnnpack']);
    expect(narrow).toEqual(['direct', 'im2col', 'xnnpack']);
  });

  it('the pinned nchwc form runs layers of whole channel blocks blocked, and the rest on ORT Conv', async () => {
    await tf.setBackend('wasm');
    const block = nchwcBlockSize();
    if (block === 0) return; // no NCHWc kernels in this ORT build: the form is never offered
    const conv = (ci: number) =>
      tf.tidy(() => tf.conv2d(tf.ones([1, 5, 5, ci]) as tf.Tensor4D, tf.ones([3, 3, ci, block]) as tf.Tensor4D, 1, 'same').dataSync());
    const runners = await onEngine('ort', async () => {
      conv(block);
      conv(3);
      return ortConvChoices().map((c) => `${c.layer.split(',')[3]}:${c.runner}`);
    }, 'nchwc');
    expect(runners.sort()).toEqual([`${block}:nchwc`, '3:direct'].sort());
  });

  it.each(engineCases)('Conv2D matches cpu: $label', ({ engine, method, c }) =>
    onEngine(engine, async () => {
      const rng = new Rng(`forward:${label(c)}`);
      const x = randomData(rng, c.x);
      const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.co];
      const filter = randomData(rng, filterShape);
      const run = () => tf.conv2d(tf.tensor(x, c.x) as tf.Tensor4D, tf.tensor(filter, filterShape) as tf.Tensor4D, c.stride, c.pad as never);
      const expected = await onBackend('cpu', run);
      const actual = await onBackend('wasm', run);
      expect(relativeError(actual, expected), label(c)).toBeLessThan(1e-4);
    }, method),
  );

  it.each(filterGradCases)('Conv2DBackpropFilter matches cpu: $label', ({ engine, method, c }) =>
    onEngine(engine, async () => {
      const rng = new Rng(`filter:${label(c)}`);
      const x = randomData(rng, c.x);
      const dyShape = forwardOutShape(c);
      const dy = randomData(rng, dyShape);
      const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.x[3], c.co] };
      const run = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, c.x), dy: tf.tensor(dy, dyShape) }, attrs as never) as tf.Tensor;
      const expected = await onBackend('cpu', run);
      const actual = await onBackend('wasm', run);
      expect(relativeError(actual, expected), label(c)).toBeLessThan(1e-4);
    }, method),
  );

  it('filter gradient accumulates batch chunks exactly like one GEMM (stem-like 3-channel input, stride 2)', async () => {
    const rng = new Rng('filter:chunks');
    const xShape = [5, 9, 9, 3];
    const dyShape = [5, 5, 5, 4];
    const x = randomData(rng, xShape);
    const dy = randomData(rng, dyShape);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] };
    const expected = await onBackend('cpu', () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, attrs as never) as tf.Tensor,
    );
    await tf.setBackend('wasm');
    const geometry = { n: 5, h: 9, w: 9, ci: 3, co: 4, ho: 5, wo: 5, kh: 3, kw: 3, sh: 2, sw: 2, padTop: 1, padLeft: 1 };
    // 27 patch rows × 25 pixels per image: a 1,400-float chunk holds 2 images, so chunks of 2, 2, 1.
    for (const chunkFloats of [1_400, 1]) {
      const actual = tf.tidy(() => {
        const xt = tf.tensor(x, xShape);
        const dyt = tf.tensor(dy, dyShape);
        const info = filterGradGemm(tf.backend() as BackendWasm, xt, dyt, geometry, chunkFloats);
        return tf.engine().makeTensorFromTensorInfo(info).dataSync() as Float32Array;
      });
      expect(relativeError(actual, expected), `chunkFloats ${chunkFloats}`).toBeLessThan(1e-4);
    }
  });

  const implementations = { gemm: filterGradGemm, 'transposed-conv': filterGradTransposedConv };
  it.each(cases)('both filter-gradient implementations match cpu and free their intermediates: %#', async (c) => {
    const rng = new Rng(`filter-impl:${label(c)}`);
    const x = randomData(rng, c.x);
    const dyShape = forwardOutShape(c);
    const dy = randomData(rng, dyShape);
    const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.x[3], c.co] };
    const expected = await onBackend('cpu', () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, c.x), dy: tf.tensor(dy, dyShape) }, attrs as never) as tf.Tensor,
    );
    await tf.setBackend('wasm');
    for (const [name, impl] of Object.entries(implementations)) {
      const before = tf.backend().numDataIds();
      const actual = tf.tidy(() => {
        const info = impl(tf.backend() as BackendWasm, tf.tensor(x, c.x), tf.tensor(dy, dyShape), geometryOf(c));
        const out = tf.engine().makeTensorFromTensorInfo(info);
        expect(out.shape).toEqual([c.k, c.k, c.x[3], c.co]);
        return out.dataSync() as Float32Array;
      });
      expect(relativeError(actual, expected), `${name} ${label(c)}`).toBeLessThan(1e-4);
      expect(tf.backend().numDataIds(), name).toBe(before);
    }
  });

  it('picks the GEMM for the stem and 1×1 convs, the transposed conv for wide 3×3 layers', () => {
    const resnet = (h: number, ci: number, co: number, k: number, stride: number): ConvCase => ({
      x: [128, h, h, ci], k, co, stride, pad: 'same',
    });
    expect(filterGradMethod(geometryOf(resnet(32, 3, 64, 3, 1)))).toBe('gemm');
    expect(filterGradMethod(geometryOf(resnet(32, 64, 64, 3, 1)))).toBe('transposed-conv');
    expect(filterGradMethod(geometryOf(resnet(32, 64, 128, 3, 2)))).toBe('transposed-conv');
    expect(filterGradMethod(geometryOf(resnet(32, 64, 128, 1, 2)))).toBe('gemm');
    expect(filterGradMethod(geometryOf(resnet(16, 128, 256, 3, 2)))).toBe('gemm');
    expect(filterGradMethod(geometryOf(resnet(4, 512, 512, 3, 1)))).toBe('transposed-conv');
    // The kernel-vs-cpu cases above reach both paths through the registered kernel.
    const methods = new Set(cases.map((c) => filterGradMethod(geometryOf(c))));
    expect([...methods].sort()).toEqual(['gemm', 'transposed-conv']);
  });

  it.each(engineCases)('Conv2DBackpropInput matches cpu: $label', ({ engine, method, c }) =>
    onEngine(engine, async () => {
      const rng = new Rng(`input:${label(c)}`);
      const filterShape = [c.k, c.k, c.x[3], c.co];
      const filter = randomData(rng, filterShape);
      const dyShape = forwardOutShape(c);
      const dy = randomData(rng, dyShape);
      const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      const run = () =>
        tf.engine().runKernel(
          'Conv2DBackpropInput',
          { dy: tf.tensor(dy, dyShape), filter: tf.tensor(filter, filterShape) },
          attrs as never,
        ) as tf.Tensor;
      const expected = await onBackend('cpu', run);
      const actual = await onBackend('wasm', run);
      expect(relativeError(actual, expected), label(c)).toBeLessThan(1e-4);
    }, method),
  );

  const tileCases: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }[] = [
    { shape: [1, 1, 1, 7], reps: [3, 5, 5, 1], dtype: 'float32' },
    { shape: [2, 3, 1], reps: [2, 1, 3], dtype: 'float32' },
    { shape: [3, 1, 4, 2], reps: [1, 3, 2, 2], dtype: 'int32' },
    { shape: [5], reps: [4], dtype: 'bool' },
    { shape: [2, 2], reps: [1, 1], dtype: 'float32' },
  ];
  it.each(tileCases)('Tile matches cpu: %j', async ({ shape, reps, dtype }) => {
    const rng = new Rng(`tile:${shape}:${reps}:${dtype}`);
    const data = randomData(rng, shape).map((v) => (dtype === 'float32' ? v : Math.round(v * 3)));
    const run = () => tf.tile(tf.tensor(dtype === 'bool' ? data.map((v) => (v > 0 ? 1 : 0)) : data, shape, dtype), reps);
    await tf.setBackend('cpu');
    const expected = tf.tidy(() => Array.from(run().dataSync()));
    await tf.setBackend('wasm');
    const actual = tf.tidy(() => Array.from(run().dataSync()));
    expect(actual).toEqual(expected);
  });

  // Leading-axes reductions take the heap path; the others must still reach the stock kernels.
  const reduceCases: { shape: number[]; axis: number | number[]; keepDims: boolean; dtype: 'float32' | 'int32' }[] = [
    { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: false, dtype: 'float32' },
    { shape: [4, 5, 6, 7], axis: [2, 0, 1], keepDims: true, dtype: 'float32' },
    { shape: [9, 3], axis: 0, keepDims: false, dtype: 'float32' },
    { shape: [3, 4, 5], axis: [0, 1], keepDims: false, dtype: 'float32' },
    { shape: [4, 5, 6, 7], axis: [1, 2], keepDims: false, dtype: 'float32' },
    { shape: [4, 5, 6], axis: [0, 1, 2], keepDims: false, dtype: 'float32' },
    { shape: [4, 5, 6], axis: -1, keepDims: true, dtype: 'float32' },
    { shape: [6, 5], axis: 0, keepDims: false, dtype: 'int32' },
  ];
  it.each(reduceCases)('Sum and Mean match cpu: %j', async ({ shape, axis, keepDims, dtype }) => {
    const rng = new Rng(`reduce:${shape}:${axis}:${keepDims}:${dtype}`);
    const data = randomData(rng, shape).map((v) => (dtype === 'float32' ? v * 10 + 3 : Math.round(v * 3)));
    const run = () => [tf.sum(tf.tensor(data, shape, dtype), axis, keepDims), tf.mean(tf.tensor(data, shape, dtype), axis, keepDims)];
    await tf.setBackend('cpu');
    const expected = tf.tidy(() => run().map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() as Float32Array })));
    await tf.setBackend('wasm');
    const actual = tf.tidy(() => run().map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() as Float32Array })));
    for (let i = 0; i < 2; i++) {
      expect(actual[i].shape).toEqual(expected[i].shape);
      expect(actual[i].dtype).toBe(expected[i].dtype);
      expect(relativeError(actual[i].values, expected[i].values)).toBeLessThan(1e-5);
    }
  });

  // Pools with overlapping windows, padding, odd sizes and (after a ReLU, or on rounded values)
  // tied maxima, where the gradient must go to the first maximum like the cpu kernel's.
  const poolCases: { x: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' | number; ties: boolean }[] = [
    { x: [2, 8, 8, 5], size: 2, stride: 2, pad: 'valid', ties: false },
    { x: [2, 8, 8, 5], size: 2, stride: 2, pad: 'valid', ties: true },
    { x: [2, 9, 7, 3], size: 2, stride: 2, pad: 'valid', ties: true },
    { x: [1, 9, 7, 3], size: 3, stride: 2, pad: 'same', ties: true },
    { x: [2, 11, 11, 4], size: 3, stride: 2, pad: 1, ties: false },
    { x: [1, 10, 10, 6], size: 3, stride: 1, pad: 'valid', ties: true },
    { x: [3, 6, 6, 2], size: 2, stride: 2, pad: 1, ties: true },
    // the SIMD 2×2 path (channels a multiple of 4): fully covered, and with an odd last row/column
    { x: [3, 8, 6, 8], size: 2, stride: 2, pad: 'valid', ties: false },
    { x: [3, 8, 6, 8], size: 2, stride: 2, pad: 'valid', ties: true },
    { x: [2, 7, 9, 12], size: 2, stride: 2, pad: 'valid', ties: true },
  ];
  it.each(poolCases)('MaxPoolGrad matches cpu: %j', async ({ x: shape, size, stride, pad, ties }) => {
    const rng = new Rng(`maxpool:${shape}:${size}:${stride}:${pad}:${ties}`);
    const data = randomData(rng, shape).map((v) => (ties ? Math.max(0, Math.round(v)) : v));
    // Distinct upstream gradients per output pixel, so a gradient routed to the wrong tap shows.
    const run = () =>
      tf.grad((t: tf.Tensor) => {
        const y = tf.maxPool(t as tf.Tensor4D, size, stride, pad);
        return tf.sum(tf.mul(y, tf.reshape(tf.range(1, 1 + y.size), y.shape)));
      })(tf.tensor(data, shape));
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', run);
    expect(relativeError(actual, expected)).toBeLessThan(1e-6);
  });

  // Large single products go to ORT's Gemm under the ort engine; batched ones stay on the stock kernel.
  const matMulCases = [
    { a: [96, 64], b: [64, 80], transposeA: false, transposeB: false },
    { a: [64, 96], b: [64, 80], transposeA: true, transposeB: false },
    { a: [96, 64], b: [80, 64], transposeA: false, transposeB: true },
    { a: [64, 96], b: [80, 64], transposeA: true, transposeB: true },
    { a: [3, 40, 64], b: [3, 64, 50], transposeA: false, transposeB: false },
    { a: [1, 96, 64], b: [64, 80], transposeA: false, transposeB: false },
  ];
  it.each(matMulCases)('BatchMatMul matches cpu under the ort engine: %j', async ({ a, b, transposeA, transposeB }) => {
    const rng = new Rng(`matmul:${a}:${b}:${transposeA}:${transposeB}`);
    const av = randomData(rng, a);
    const bv = randomData(rng, b);
    const run = () => tf.matMul(tf.tensor(av, a), tf.tensor(bv, b), transposeA, transposeB);
    const shapeOn = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => run().shape);
    };
    const expected = await onBackend('cpu', run);
    const expectedShape = await shapeOn('cpu');
    const [actual, actualShape] = await onEngine('ort', async () => [await onBackend('wasm', run), await shapeOn('wasm')] as const);
    expect(actualShape).toEqual(expectedShape);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it('Identity shares the data: a clone reads the same values, and freeing either keeps the other', async () => {
    await tf.setBackend('wasm');
    const before = tf.backend().numDataIds();
    const x = tf.tensor([1.5, -2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(tf.backend().numDataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4]);
    const z = tf.add(y, 1);
    expect(Array.from(z.dataSync())).toEqual([2.5, -1, 4, 5]);
    tf.dispose([y, z]);
    expect(tf.backend().numDataIds()).toBe(before);
  });

  it('leaves no intermediate tensors behind', async () => {
    await tf.setBackend('wasm');
    const c = cases[4];
    const before = tf.backend().numDataIds();
    tf.tidy(() => {
      const x = tf.ones(c.x) as tf.Tensor4D;
      const f = tf.ones([c.k, c.k, c.x[3], c.co]) as tf.Tensor4D;
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)))([x, f]);
      return [dx.dataSync(), df.dataSync()];
    });
    expect(tf.backend().numDataIds()).toBe(before);
  });
});
