/**
 * Calling the wasm backend's own kernels from inside our kernels. The training kernels here are
 * compositions of stock XNNPACK-backed kernels (Conv2D, Transpose, Slice, BatchMatMul, …) plus a few
 * memory moves done directly on the wasm heap, so they inherit XNNPACK's speed without a custom
 * wasm build.
 */
import { getKernel, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type WasmInputs = Record<string, TensorInfo>;

/** Runs the kernel currently registered for `kernelName` on the wasm backend, bypassing the engine. */
export function runWasmKernel(
  kernelName: string,
  inputs: WasmInputs,
  attrs: object,
  backend: BackendWasm,
): TensorInfo {
  const config = getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new Error(`wasm training kernels: the wasm backend has no '${kernelName}' kernel registered`);
  }
  const out = config.kernelFunc({ inputs, attrs: attrs as NamedAttrMap, backend });
  if (Array.isArray(out)) {
    throw new Error(`wasm training kernels: '${kernelName}' returned several outputs, expected one`);
  }
  return out;
}

/** Releases intermediate results; a reshape shares its input's data, so this only drops one ref. */
export function disposeIntermediates(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function reshapeInfo(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  return runWasmKernel('Reshape', { x }, { shape }, backend);
}

export function transposeInfo(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasmKernel('Transpose', { x }, { perm }, backend);
}

export function sliceInfo(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return runWasmKernel('Slice', { x }, { begin, size }, backend);
}

/** A float32 view of a tensor's bytes on the wasm heap. Take it only after the last allocation:
 * allocating may grow the heap and detach earlier views. */
export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Byte offset / 4 of a tensor's first element in the heap's Float32 view. */
export function heapIndex(backend: BackendWasm, info: TensorInfo): number {
  return backend.getMemoryOffset(info.dataId) / 4;
}
