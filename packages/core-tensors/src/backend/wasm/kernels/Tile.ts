/**
 * Tile on the wasm backend with block copies on the heap. The stock kernel computes a source
 * index per output element; batch-norm gradients tile per-channel vectors up to full activations
 * ([1,1,1,C] × [N,H,W,1]), which made Tile ~20% of a ResNet block's training step. Here each
 * innermost row is one memmove, and the common "whole tensor repeated K times" case doubles the
 * filled prefix with log₂K copies.
 */
import {
  Tile,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type TileAttrs,
  type TileInputs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
export function tile(args: { inputs: TileInputs; backend: BackendWasm; attrs: TileAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const reps = attrs.reps;
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    throw new Error(`wasm Tile: dtype '${x.dtype}' unsupported, expected float32, int32 or bool`);
  }
  if (reps.length !== x.shape.length) {
    throw new Error(`wasm Tile: reps has ${reps.length} entries, expected one per axis of a rank-${x.shape.length} tensor`);
  }
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const inSize = x.shape.reduce((a, b) => a * b, 1);
  const outSize = inSize * reps.reduce((a, b) => a * b, 1);
  if (outSize === 0) return out;
  if (rank === 0) {
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
    return out;
  }
  // Copies move bits, so float32 and int32 share a 4-byte view; bool is one byte per element.
  const bytes = x.dtype === 'bool' ? 1 : 4;
  const buffer = backend.typedArrayFromHeap(out).buffer;
  const heap = bytes === 1 ? new Uint8Array(buffer) : new Int32Array(buffer);
  const src = backend.getMemoryOffset(x.dataId) / bytes;
  const dst = backend.getMemoryOffset(out.dataId) / bytes;

  const firstNonUnit = x.shape.findIndex((d) => d > 1);
  const repeatsWhole = firstNonUnit === -1 || reps.slice(firstNonUnit).every((r) => r === 1);
  if (repeatsWhole) {
    heap.copyWithin(dst, src, src + inSize);
    for (let filled = inSize; filled < outSize; filled *= 2) {
      heap.copyWithin(dst + filled, dst, dst + Math.min(filled, outSize - filled));
    }
    return out;
  }

  // One output row (last axis) = the matching input row repeated reps[last] times.
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * x.shape[i + 1];
  const rowLen = x.shape[rank - 1];
  const rows = outSize / outShape[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let o = dst;
  for (let r = 0; r < rows; r++) {
    let s = src;
    for (let i = 0; i < rank - 1; i++) s += (index[i] % x.shape[i]) * inStrides[i];
    for (let k = 0; k < reps[rank - 1]; k++, o += rowLen) heap.copyWithin(o, s, s + rowLen);
    for (let i = rank - 2; i >= 0; i--) {
      if (++index[i] < outShape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

export const tileConfig: KernelConfig = {
  kernelName: Tile,
  backendName: 'wasm',
  kernelFunc: tile as unknown as KernelFunc,
};

