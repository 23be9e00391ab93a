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

/** A graph input or output that is part of a heap tensor: the values `dims` covers, from element `offset` on. */
export interface HeapWindowFeed {
  name: string;
  tensor: TensorInfo;
  offset: number;
  dims: readonly number[];
}

/** A graph input or output on the heap: a whole tensor or a window of one. */
export type HeapOperand = HeapFeed | HeapWindowFeed;

/** The operand's values as a view of the heap (a subarray for a window). */
function operandView(backend: BackendWasm, operand: HeapOperand): { view: Float32Array; dims: readonly number[] } {
  const whole = heapF32(backend, operand.tensor);
  if (!('offset' in operand)) return { view: whole, dims: operand.dims ?? operand.tensor.shape };
  const length = operand.dims.reduce((p, d) => p * d, 1);
  return { view: whole.subarray(operand.offset, operand.offset + length), dims: operand.dims };
}

/**
 * Runs `session` with heap operands (whole tensors or windows of them) and writes the named
 * outputs into heap tensors allocated by the caller — allocate before calling: growing the heap
 * detaches every view taken before. On single-threaded wasm ORT reads and writes the heap in place
 * (windows are zero-copy views); threaded wasm shares its heap, which ORT refuses, so there the
 * operands and results go through copies.
 */
export function runOrtIntoHeap(backend: BackendWasm, session: OrtSyncSession, inputs: readonly HeapOperand[], outputs: readonly HeapOperand[]): void {
  const outViews = outputs.map((o) => operandView(backend, o));
  const shared = outViews.some(({ view }) => view.buffer instanceof SharedArrayBuffer);
  const feeds: Record<string, OrtFeed> = {};
  for (const input of inputs) {
    const { view, dims } = operandView(backend, input);
    feeds[input.name] = { data: shared ? view.slice() : view, dims };
  }
  const names = outputs.map((o) => o.name);
  if (shared) {
    const result = session.run(feeds, names);
    outputs.forEach((o, i) => outViews[i].view.set(result[o.name]));
    return;
  }
  session.run(feeds, names, Object.fromEntries(outputs.map((o, i) => [o.name, { data: outViews[i].view, dims: outViews[i].dims }])));
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
