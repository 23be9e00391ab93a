import { describe, expect, it } from 'vitest';
import { explainWasmAbort } from './wasm-abort.js';

describe('explainWasmAbort', () => {
  it('turns the wasm abort into an out-of-memory error naming the step and what to change', () => {
    const err = explainWasmAbort(new Error('Aborted(). Build with -sASSERTIONS for more info.'), 'epoch 1, step 3 (batch_size 128)');
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^epoch 1, step 3 \(batch_size 128\): the wasm backend ran out of memory \(most likely\) .*4 GB.*Lower the batch size/);
  });

  it('also explains the out-of-bounds trap that follows an unchecked failed allocation', () => {
    const err = explainWasmAbort(new Error('memory access out of bounds'), 'step');
    expect((err as Error).message).toMatch(/^step: the wasm backend ran out of memory/);
  });

  it('passes every other error through unchanged', () => {
    const other = new Error('shape mismatch');
    expect(explainWasmAbort(other, 'step')).toBe(other);
  });
});
