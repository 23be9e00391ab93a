/**
 * ONNX Runtime runs whose operands and results are tensors on the wasm heap: the conv graphs and
 * the Gemm of BatchMatMul go through here.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { OrtFeed, OrtSyncSession } from '../ort/ort-sync-session.js';
import { heapF32 } from './wasm-kernel-calls.js';

/** A graph input: its name, the heap tensor that feeds it, and the dims ORT sees (default: the tensor's shape). */
export interface HeapFeed {
  name: string;
  tensor: TensorInfo;
  dims?: readonly number[];
}

/** A graph input read from part of a heap tensor: `length` values from element `offset` on. */
export interface HeapWindowFeed {
  name: string;
  tensor: TensorInfo;
  offset: number;
  dims: readonly number[];
}

/**
 * A graph output written into an already allocated heap tensor (dims as ORT sees them), or into
 * the window of it that starts at element `offset` (then `dims` is required).
 */
export interface HeapOutput {
  name: string;
  tensor: TensorInfo;
  dims?: readonly number[];
  offset?: number;
}

/**
 * Runs `session` with heap operands (whole tensors or windows of them) and writes the named
 * outputs into heap tensors allocated by the caller — allocate before calling: growing the heap
 * detaches every view taken before. On single-threaded wasm ORT reads and writes the heap in place
 * (windows are zero-copy views); threaded wasm shares its heap, which ORT refuses, so there the
 * operands and results go through copies.
 */
export function runOrtIntoHeap(
  backend: BackendWasm,
  session: OrtSyncSession,
  inputs: ReadonlyArray<HeapFeed | HeapWindowFeed>,
  outputs: readonly HeapOutput[],
): void {
  const outViews = outputs.map(({ tensor, dims, offset }) => {
    const view = heapF32(backend, tensor);
    return offset === undefined ? view : view.subarray(offset, offset + dims!.reduce((p, d) => p * d, 1));
  });
  const shared = outViews.some((v) => v.buffer instanceof SharedArrayBuffer);
  const feeds: Record<string, OrtFeed> = {};
  for (const feed of inputs) {
    let view = heapF32(backend, feed.tensor);
    const dims = feed.dims ?? feed.tensor.shape;
    if ('offset' in feed) view = view.subarray(feed.offset, feed.offset + dims.reduce((p, d) => p * d, 1));
    feeds[feed.name] = { data: shared ? view.slice() : view, dims };
  }
  const names = outputs.map((o) => o.name);
  if (shared) {
    const result = session.run(feeds, names);
    outputs.forEach((o, i) => outViews[i].set(result[o.name]));
    return;
  }
  const into = Object.fromEntries(outputs.map((o, i) => [o.name, { data: outViews[i], dims: o.dims ?? o.tensor.shape }]));
  session.run(feeds, names, into);
}

/**
 * Runs `session` and returns its output `output` as a new heap tensor of `outShape` (`outDims` is
 * how ORT sees it, default `outShape`).
 */
export function runOrtOnHeap(
  backend: BackendWasm,
  session: OrtSyncSession,
  inputs: readonly HeapFeed[],
  output: string,
  outShape: number[],
  outDims: readonly number[] = outShape,
): TensorInfo {
  const out = backend.makeOutput(outShape, 'float32');
  runOrtIntoHeap(backend, session, inputs, [{ name: output, tensor: out, dims: outDims }]);
  return out;
}
