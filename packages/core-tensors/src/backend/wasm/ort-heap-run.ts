/**
 * One ONNX Runtime run whose operands and result are tensors on the wasm heap: the conv graphs and
 * the Gemm of BatchMatMul go through here.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { OrtSyncSession } from '../ort/ort-sync-session.js';
import { heapF32 } from './wasm-kernel-calls.js';

/** A graph input: its name, the heap tensor that feeds it, and the dims ORT sees (default: the tensor's shape). */
export interface HeapFeed {
  name: string;
  tensor: TensorInfo;
  dims?: readonly number[];
}

/**
 * Runs `session` and returns its output `output` as a new heap tensor of `outShape` (`outDims` is
 * how ORT sees it, default `outShape`). On single-threaded wasm ORT reads the operands and writes
 * the result in place on the heap; threaded wasm shares its heap, which ORT refuses, so there the
 * operands and the result go through copies.
 */
export function runOrtOnHeap(
  backend: BackendWasm,
  session: OrtSyncSession,
  inputs: readonly HeapFeed[],
  output: string,
  outShape: number[],
  outDims: readonly number[] = outShape,
): TensorInfo {
  // Allocate first: growing the heap detaches every view taken before.
  const out = backend.makeOutput(outShape, 'float32');
  const outView = heapF32(backend, out);
  const shared = outView.buffer instanceof SharedArrayBuffer;
  const feeds = Object.fromEntries(
    inputs.map(({ name, tensor, dims }) => {
      const view = heapF32(backend, tensor);
      return [name, { data: shared ? view.slice() : view, dims: dims ?? tensor.shape }];
    }),
  );
  if (shared) outView.set(session.run(feeds, [output])[output]);
  else session.run(feeds, [output], { [output]: { data: outView, dims: outDims } });
  return out;
}
