/**
 * Convolutions of the wasm backend run by ONNX Runtime's native CPU kernels.
 *
 * XNNPACK in wasm has 128-bit SIMD without FMA; ONNX Runtime's MLAS uses the machine's AVX2/FMA
 * (or NEON) and blocks long reductions. Measured per call on a CIFAR ResNet-18 layer (batch 128,
 * 32×32×64, 3×3, 2 threads): forward 132 vs 333 ms, filter gradient 201 vs 608 ms, input
 * gradient 203 vs 280 ms. Tensors stay on the wasm heap; with single-threaded wasm (what
 * initBackend picks for this engine) ORT reads and writes them in place. One session per layer
 * shape and kind is built on first use and kept.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ortAvailability, OrtSyncSession } from '../../ort/ort-sync-session.js';
import { heapF32 } from '../wasm-kernel-calls.js';
import { CONV_GRAPH_IO, convGraph, type ConvGraphKind } from './conv-graphs.js';
import { convMacs, geometryKey, type ConvGeometry } from './conv-geometry.js';

/** Which engine runs the wasm backend's convolutions. */
export type ConvEngine = 'ort' | 'xnnpack';

/**
 * Below this many multiply-adds a layer stays on XNNPACK: the session call costs more than the
 * arithmetic saved (tiny test shapes, the deepest 1×1 convs at small batch).
 */
const DEFAULT_MIN_MACS = 2 ** 22;

let engine: ConvEngine = 'xnnpack';
let minMacs = DEFAULT_MIN_MACS;
const sessions = new Map<string, OrtSyncSession>();

export interface ConvEngineOptions {
  /** Smallest layer (forward multiply-adds) sent to ONNX Runtime; 0 sends every layer (tests). */
  minMacs?: number;
}

/**
 * Selects the convolution engine; 'ort' is refused (with the reason) when onnxruntime-node's
 * native binding cannot load.
 */
export function setConvEngine(next: ConvEngine, opts: ConvEngineOptions = {}): void {
  if (next === 'ort') {
    const ok = ortAvailability();
    if (!ok.ok) throw new Error(`conv engine 'ort' unavailable: ${ok.reason}`);
  }
  engine = next;
  minMacs = opts.minMacs ?? DEFAULT_MIN_MACS;
}

export function convEngine(): ConvEngine {
  return engine;
}

/**
 * Whether this layer's `kind` runs on ONNX Runtime. Rule from per-layer timings at batch 128 on
 * CIFAR ResNet-18 shapes (2 cores, ms, XNNPACK vs ORT): every 3×3 layer with ≥ 64 input channels
 * is faster on ORT in all three kinds (e.g. 16×16×128: forward 196 vs 90, filter gradient 386 vs
 * 112, input gradient 219 vs 121); the 3-channel stem is faster on XNNPACK (forward 46 vs 85,
 * filter gradient 24 vs 42), as is the forward 1×1 projection (28 vs 56), whose gradients are
 * faster on ORT (59 vs 36, 55 vs 45).
 */
export function useOrt(kind: ConvGraphKind, g: ConvGeometry): boolean {
  if (engine !== 'ort' || convMacs(g) < minMacs) return false;
  if (minMacs === 0) return true;
  if (g.ci < 16) return false;
  return !(kind === 'forward' && g.kh * g.kw === 1);
}

function session(kind: ConvGraphKind, g: ConvGeometry): OrtSyncSession {
  const key = `${kind}:${geometryKey(g)}`;
  let s = sessions.get(key);
  if (s === undefined) {
    s = new OrtSyncSession(convGraph(kind, g));
    sessions.set(key, s);
  }
  return s;
}

/** Sessions built so far (one per layer shape and kind). */
export function ortConvSessionCount(): number {
  return sessions.size;
}

/**
 * Runs one conv graph on ONNX Runtime. `a` and `b` are the graph's two inputs in
 * CONV_GRAPH_IO order; the result is a new tensor on the wasm heap with `outShape`.
 */
export function runOrtConv(
  backend: BackendWasm,
  kind: ConvGraphKind,
  g: ConvGeometry,
  a: TensorInfo,
  b: TensorInfo,
  outShape: number[],
): TensorInfo {
  const io = CONV_GRAPH_IO[kind];
  const s = session(kind, g);
  // Allocate first: growing the heap detaches every view taken before.
  const out = backend.makeOutput(outShape, 'float32');
  const aView = heapF32(backend, a);
  const bView = heapF32(backend, b);
  const outView = heapF32(backend, out);
  if (!(outView.buffer instanceof SharedArrayBuffer)) {
    // Single-threaded wasm: ORT reads the operands and writes the result in place on the heap.
    s.run(
      { [io.inputs[0]]: { data: aView, dims: a.shape }, [io.inputs[1]]: { data: bView, dims: b.shape } },
      [io.output],
      { [io.output]: { data: outView, dims: outShape } },
    );
    return out;
  }
  // Threaded wasm shares its heap; ORT refuses a SharedArrayBuffer, so operands go through copies.
  const result = s.run(
    { [io.inputs[0]]: { data: aView.slice(), dims: a.shape }, [io.inputs[1]]: { data: bView.slice(), dims: b.shape } },
    [io.output],
  )[io.output];
  heapF32(backend, out).set(result);
  return out;
}

/** Forward convolution on ONNX Runtime (pads, strides and dilations from `g`). */
export function ortConv2d(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  return runOrtConv(backend, 'forward', g, x, filter, [g.n, g.ho, g.wo, g.co]);
}

export function ortConv2dFilterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  return runOrtConv(backend, 'filter-grad', g, x, dy, [g.kh, g.kw, g.ci, g.co]);
}

export function ortConv2dInputGrad(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  return runOrtConv(backend, 'input-grad', g, dy, filter, [g.n, g.h, g.w, g.ci]);
}
