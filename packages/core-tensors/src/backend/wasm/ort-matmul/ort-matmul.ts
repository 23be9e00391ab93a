/**
 * Single matrix products (batch 1, as tfjs's matMul of two 2-D tensors arrives) of the wasm backend
 * on ONNX Runtime's Gemm under the ort conv engine. The stock kernel measured ~1 GMAC/s on a SimCLR
 * head and similarity matrix (9 calls, 75 M multiply-adds: 55–80 ms a step, single-threaded wasm);
 * MLAS runs them at tens of GMAC/s on the same tensors, read and written in place on the heap.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { OnnxGraphBuilder } from '../../../onnx/onnx-graph.js';
import { OrtSyncSession } from '../../ort/ort-sync-session.js';
import { convEngine } from '../ort-conv/ort-conv.js';
import { profileScope } from '../../profile/kernel-profile.js';
import { runOrtOnHeap } from '../ort-heap-run.js';

/** Below this many multiply-adds the session call costs more than the stock kernel's arithmetic. */
const MIN_MACS = 2 ** 18;

export interface GemmShape {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

const sessions = new Map<string, OrtSyncSession>();

/** Whether this product runs on ORT: ort engine, float32, one matrix each side, large enough. */
export function useOrtGemm(a: TensorInfo, b: TensorInfo, s: GemmShape): boolean {
  const batchOne = a.shape.slice(0, -2).every((d) => d === 1) && b.shape.slice(0, -2).every((d) => d === 1);
  return convEngine() === 'ort' && a.dtype === 'float32' && b.dtype === 'float32' && batchOne && s.m * s.k * s.n >= MIN_MACS;
}

function gemmGraph(s: GemmShape): Uint8Array {
  const g = new OnnxGraphBuilder('twindb-gemm', 13);
  g.input('a', s.transA ? [s.k, s.m] : [s.m, s.k]);
  g.input('b', s.transB ? [s.n, s.k] : [s.k, s.n]);
  g.node('Gemm', ['a', 'b'], { transA: s.transA ? 1 : 0, transB: s.transB ? 1 : 0 }, 'y');
  g.output('y', [s.m, s.n]);
  return g.toBytes();
}

/** a·b (either transposed) → a new tensor on the heap, [m, n] after the inputs' leading 1s. */
export function ortGemm(backend: BackendWasm, a: TensorInfo, b: TensorInfo, s: GemmShape): TensorInfo {
  const lead = (a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2);
  const key = `${s.m},${s.k},${s.n},${s.transA},${s.transB}`;
  let session = sessions.get(key);
  if (session === undefined) {
    session = new OrtSyncSession(gemmGraph(s));
    sessions.set(key, session);
  }
  const feeds = [
    { name: 'a', tensor: a, dims: s.transA ? [s.k, s.m] : [s.m, s.k] },
    { name: 'b', tensor: b, dims: s.transB ? [s.n, s.k] : [s.k, s.n] },
  ];
  const run = session;
  return profileScope('ort gemm', () => runOrtOnHeap(backend, run, feeds, 'y', [...lead, s.m, s.n], [s.m, s.n]), key);
}
