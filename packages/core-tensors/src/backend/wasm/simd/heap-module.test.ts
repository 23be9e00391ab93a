/**
 * The SIMD modules on both kinds of heap tfjs-backend-wasm can have: a plain memory (single-threaded
 * builds) and a shared one (the threaded build), each instantiated through heapModule and run on
 * data placed in that memory.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { batchNormActWasm } from './batch-norm-act.wasm.js';
import { heapMemory, heapModule } from './heap-module.js';

interface ApplyExports {
  apply(x: number, r: number, rStride: number, y: number, rows: number, cb: number, mean: number, scale: number, beta: number, floor: number): void;
}

const WasmApi = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBuffer | SharedArrayBuffer } } }).WebAssembly;

describe('heapModule', () => {
  it.each([false, true])('runs batch-norm-act on a %s heap', (shared) => {
    const memory = new WasmApi.Memory(shared ? { initial: 1, maximum: 65536, shared: true } : { initial: 1 });
    expect(memory.buffer instanceof SharedArrayBuffer).toBe(shared);
    // The two places Emscripten keeps the memory: Module.wasmMemory (threaded) and Module.asm.memory.
    const backend = { wasm: shared ? { wasmMemory: memory } : { asm: { memory } } } as unknown as BackendWasm;
    expect(heapMemory(backend)).toBe(memory);
    const simd = heapModule<ApplyExports>(backend, batchNormActWasm);
    expect(heapModule<ApplyExports>(backend, batchNormActWasm)).toBe(simd);

    const heap = new Float32Array(memory.buffer);
    // 2 rows × 4 channels at float 0, mean/scale/beta/zeros at 16, 20, 24, 28; output at 64
    heap.set([1, -2, 3, -4, 5, 6, -7, 8], 0);
    heap.set([1, 1, 1, 1], 16);
    heap.set([2, 0.5, 1, 1], 20);
    heap.set([0, 0, 0, 1], 24);
    simd.apply(0, 28 * 4, 0, 64 * 4, 2, 16, 16 * 4, 20 * 4, 24 * 4, 0);
    // relu((x − 1)·scale + beta)
    expect(Array.from(heap.subarray(64, 72))).toEqual([0, 0, 2, 0, 8, 2.5, 0, 8]);
  });

  it('says where it looked when the backend has no memory', () => {
    expect(() => heapMemory({ wasm: {} } as unknown as BackendWasm)).toThrow(/cannot find the WebAssembly.Memory of tfjs-backend-wasm/);
  });
});
