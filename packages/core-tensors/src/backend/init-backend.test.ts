import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { parseBackendChoice } from './backend-options.js';
import { initBackend } from './init-backend.js';

// One file, run in order: initBackend holds process-wide tfjs state.
describe('initBackend', () => {
  it('names the missing package and how to install it when a forced backend cannot load', async () => {
    const logs: string[] = [];
    await expect(initBackend({ backend: 'tensorflow', log: (m) => logs.push(m) })).rejects.toThrow(
      /backend "tensorflow" was requested but cannot load: @tensorflow\/tfjs-node is not installed\. Install it with: npm install @tensorflow\/tfjs-node/,
    );
  });

  it('auto picks wasm here and says why tfjs-node(-gpu) were skipped', async () => {
    const logs: string[] = [];
    const info = await initBackend({ backend: 'auto', log: (m) => logs.push(m) });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.forced).toBe(false);
    expect(info.skipped).toEqual([
      'tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed',
      'tensorflow: @tensorflow/tfjs-node is not installed',
    ]);
    expect(info.registeredKernels).toContain('Conv2DBackpropFilter');
    expect(logs.join('\n')).toMatch(/backend wasm .*skipped: tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/);
    // A real op runs on the chosen backend.
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });

  it('honours TWINDB_BACKEND and rejects unknown names with the list of valid ones', async () => {
    const prev = process.env.TWINDB_BACKEND;
    try {
      process.env.TWINDB_BACKEND = 'cpu';
      const info = await initBackend({ log: () => {} });
      expect(info).toMatchObject({ name: 'cpu', choice: 'cpu', forced: true });
      expect(tf.getBackend()).toBe('cpu');
      process.env.TWINDB_BACKEND = 'tpu';
      expect(() => initBackend({ log: () => {} })).toThrow(
        'TWINDB_BACKEND: unknown backend "tpu"; expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu',
      );
    } finally {
      if (prev === undefined) delete process.env.TWINDB_BACKEND;
      else process.env.TWINDB_BACKEND = prev;
    }
  });

  it('parses flag values case-insensitively', () => {
    expect(parseBackendChoice(' WASM ', '--backend')).toBe('wasm');
  });
});
