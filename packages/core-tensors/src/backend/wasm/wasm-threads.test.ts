/**
 * The threaded wasm backend: it really runs an XNNPACK pool of the requested size, computes what
 * the cpu backend computes, and any failure falls back to the stock factory with a reason.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import { registerWasmTrainingKernels } from './register-training-kernels.js';
import { configureWasmThreads, defaultWasmThreads, threadedWasmFactory } from './wasm-threads.js';

function randomTensor(rng: Rng, shape: [number, number, number, number]): tf.Tensor4D {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return tf.tensor4d(data, shape);
}

/** Forward conv and both of its gradients, flattened into one array. */
function convAndGrads(): Float32Array {
  const rng = new Rng('wasm-threads');
  return tf.tidy(() => {
    const x = randomTensor(rng, [4, 12, 12, 16]);
    const w = randomTensor(rng, [3, 3, 16, 24]);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, b, 2, 'same')));
    const [dx, dw] = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, w]);
    const y = tf.conv2d(x, w, 1, 'same');
    return tf.concat([tf.reshape(y, [-1]), tf.reshape(dx, [-1]), tf.reshape(dw, [-1])]).dataSync() as Float32Array;
  });
}

describe('defaultWasmThreads', () => {
  it('uses the logical CPUs, capped at 8, unless TWINDB_WASM_THREADS says otherwise', () => {
    expect(defaultWasmThreads({}, 2)).toBe(2);
    expect(defaultWasmThreads({}, 64)).toBe(8);
    expect(defaultWasmThreads({ TWINDB_WASM_THREADS: '1' }, 16)).toBe(1);
    expect(defaultWasmThreads({ TWINDB_WASM_THREADS: '3' }, 2)).toBe(3);
  });

  it('rejects a bad TWINDB_WASM_THREADS naming the variable', () => {
    expect(() => defaultWasmThreads({ TWINDB_WASM_THREADS: 'two' }, 2)).toThrow(
      'TWINDB_WASM_THREADS: expected a whole number ≥ 1, got "two"',
    );
    expect(() => defaultWasmThreads({ TWINDB_WASM_THREADS: '0' }, 2)).toThrow(/got "0"/);
  });
});

describe('threadedWasmFactory', () => {
  it('falls back to the stock factory and logs why when the threaded build cannot load', async () => {
    const logs: string[] = [];
    const stockBackend = {} as tf.KernelBackend;
    const files = () => ({ factory: '/nonexistent/threaded.js', workerSource: '/nonexistent/worker.js', version: '0' });
    const backend = await threadedWasmFactory(2, files, () => stockBackend, (m) => logs.push(m))();
    expect(backend).toBe(stockBackend);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^wasm: threaded build failed, falling back to 1 thread \(.*nonexistent/);
  });
});

// One process-wide wasm backend: these run in order.
describe('configureWasmThreads', () => {
  it('runs a 2-thread XNNPACK pool that matches the cpu backend on a conv and its gradients', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const logs: string[] = [];
    expect(configureWasmThreads({ threads: 2, log: (m) => logs.push(m) })).toEqual({ threads: 2 });
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(getThreadsCount()).toBe(2);
    expect(logs).toEqual(['wasm: 2 threads (XNNPACK pool)']);
    registerWasmTrainingKernels();
    const onWasm = convAndGrads();
    await tf.setBackend('cpu');
    const onCpu = convAndGrads();
    let diff = 0;
    let scale = 1;
    for (let i = 0; i < onCpu.length; i++) {
      diff = Math.max(diff, Math.abs(onWasm[i] - onCpu[i]));
      scale = Math.max(scale, Math.abs(onCpu[i]));
    }
    expect(diff / scale).toBeLessThan(1e-4);
  });

  it('leaves an initialised backend alone and says so', () => {
    expect(configureWasmThreads({ threads: 4, log: () => {} })).toEqual({ threads: 1, reason: 'already configured' });
  });

  it('rejects a thread count that is not a whole number ≥ 1', () => {
    expect(() => configureWasmThreads({ threads: 0 })).toThrow('configureWasmThreads: threads must be a whole number ≥ 1, got 0');
  });
});
