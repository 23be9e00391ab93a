import type * as Tfjs from '@tensorflow/tfjs-core';
import type * as OrtTop from '../backend/ort/ort-similarity-top.js';
import { screenMargin, SimilarityScreen } from './similarity-screen.js';
import { topKCosine, type TopKCosineOptions, type TopKResult } from './top-k-cosine.js';
import { checkTopKInput, type TopKInput } from './top-k-input.js';

let tf: typeof Tfjs;
let ortTop: typeof OrtTop | undefined;

/**
 * Candidates per query and corpus chunk that the 'ort' engine's TopK returns: k plus a quarter
 * (at least 4) so that the take-th value usually sits clearly below the final threshold and the
 * screen's proof holds without scoring a chunk whole (see `SimilarityScreen.offerTop`). Measured
 * at k = 20 (200,000 × 5,000 × 128): take 24 1.29 s, 40 1.39 s.
 */
function ortTake(k: number): number {
  return k + Math.max(4, Math.ceil(k / 4));
}

/** The engines that can compute the float32 similarities ('auto' picks one). */
export const TOP_K_ENGINES = ['auto', 'ort', 'tfjs', 'js'] as const;
export type TopKEngine = (typeof TOP_K_ENGINES)[number];

export interface TopKCosineFastOptions extends Omit<TopKCosineOptions, 'blockSize'> {
  /**
   * 'auto' (default): the fastest engine available here, in a fixed order measured on AVX2 CPUs
   * (`npm run bench -- nn --engines auto,tfjs`): 'ort' (ONNX Runtime's MLAS GEMM with AVX2 FMA on
   * every core, against wasm's 128-bit SIMD without FMA) when onnxruntime-node loads,
   * else 'tfjs' unless the active tfjs backend is the plain-JS 'cpu' (whose matMul is no faster than
   * `topKCosine`), else 'js'. The choice never depends on a timing, and every engine returns the
   * same result bit for bit. 'ort' | 'tfjs' | 'js': that engine ('ort' throws where ORT cannot load).
   */
  engine?: TopKEngine;
  /** Query rows per matMul (default 1024; 'ort': 256). Affects speed and memory only. */
  queryBlock?: number;
  /** Corpus rows per matMul (default 4096; 'ort': 32768, at most 2^24). Affects speed and memory only. */
  corpusChunk?: number;
}

/**
 * `topKCosine` with the similarities computed by a float32 GEMM (ONNX Runtime's MLAS on all cores,
 * followed there by a TopK per query; or a tfjs matMul: XNNPACK on the wasm backend), and the same
 * result bit for bit.
 *
 * The float32 similarities only screen (see `SimilarityScreen`): a candidate is dropped when its
 * float32 similarity is below the running k-th best by more than twice `screenMargin`, a bound on
 * the float32 error, so no true neighbour can be dropped. Survivors (at most k plus a quarter per
 * corpus chunk on the ORT engine; k·(1 + ln(n/k)) on random order otherwise) are re-scored in
 * float64 exactly as `topKCosine` scores them, so distances, order and tie-breaking (lower corpus
 * index) agree with it exactly, whichever engine ran. A per-query `maxDistance` (e.g. each query's
 * k-th distance so far, as `ExactSearch` passes between pool blocks) starts each query's screen at
 * that limit.
 *
 * The tfjs engine initialises tfjs with `initBackend()` if no backend is active yet, otherwise uses
 * the active one. The screen runs on the calling thread.
 * Memory: nQueries × dim + corpusChunk × dim + queryBlock × corpusChunk floats (on the tfjs
 * backend, or in JS plus ORT's arena).
 */
export async function topKCosineFast(
  queries: Float32Array,
  corpus: Float32Array,
  dim: number,
  k: number,
  opts: TopKCosineFastOptions = {},
): Promise<TopKResult> {
  const fn = 'topKCosineFast';
  const engine = opts.engine ?? 'auto';
  if (!(TOP_K_ENGINES as readonly string[]).includes(engine)) {
    throw new RangeError(`${fn}: engine must be 'auto', 'ort', 'tfjs' or 'js', got ${String(engine)}`);
  }
  if (opts.queryBlock !== undefined) positiveInteger(fn, 'queryBlock', opts.queryBlock);
  if (opts.corpusChunk !== undefined) positiveInteger(fn, 'corpusChunk', opts.corpusChunk);
  const input = checkTopKInput(fn, queries, corpus, dim, k, opts);
  const resolved = await resolveTopKEngine(engine);
  if (resolved === 'js') return topKCosine(queries, corpus, dim, k, opts);
  if (resolved === 'ort') return topKCosineOrt(queries, corpus, dim, k, input, opts.queryBlock ?? 256, Math.min(opts.corpusChunk ?? 32768, 2 ** 24));
  return topKCosineTfjs(queries, corpus, dim, k, input, opts.queryBlock ?? 1024, opts.corpusChunk ?? 4096);
}

/**
 * The engine `topKCosineFast` runs for `engine` here (see `TopKCosineFastOptions.engine`): loads
 * ONNX Runtime or initialises tfjs as needed. Throws for 'ort' where ORT cannot load.
 */
export async function resolveTopKEngine(engine: TopKEngine = 'auto'): Promise<Exclude<TopKEngine, 'auto'>> {
  if (engine === 'js') return 'js';
  if (engine === 'ort' || engine === 'auto') {
    // Loaded on first use, so that importing the lean root never loads ONNX Runtime.
    ortTop ??= await import('../backend/ort/ort-similarity-top.js');
    const available = ortTop.ortAvailability();
    if (available.ok) return 'ort';
    if (engine === 'ort') throw new Error(`topKCosineFast: engine 'ort' is unavailable: ${available.reason}`);
  }
  // tfjs and the backends load on first use, so that importing the lean root never loads them.
  tf ??= await import('@tensorflow/tfjs-core');
  // backendName stays null until a backend is set; reading tf.getBackend() would pick one itself.
  if (tf.engine().backendName == null) await (await import('../backend/init-backend.js')).initBackend();
  return engine === 'auto' && tf.getBackend() === 'cpu' ? 'js' : 'tfjs';
}

/**
 * The screen over ORT blocks: each queryBlock × corpusChunk block of similarities is reduced to
 * every query's `ortTake(k)` best inside ONNX Runtime (see `OrtSimilarityTop`); a chunk narrower
 * than that is padded with zero rows, whose columns are never kept.
 * Memory: nQueries × dim + corpusChunk × dim floats in JS, queryBlock × corpusChunk in ORT's arena.
 */
function topKCosineOrt(
  queries: Float32Array,
  corpus: Float32Array,
  dim: number,
  k: number,
  input: TopKInput,
  queryBlock: number,
  corpusChunk: number,
): TopKResult {
  const { nq, nc, qInv, cInv } = input;
  const screen = newScreen(input, k, dim);
  const take = ortTake(k);
  const top = ortTop!.sharedSimilarityTop(dim, take);
  const qn = normalizedRows(queries, qInv, 0, nq, dim);
  const chunkRows = Math.max(take, Math.min(corpusChunk, nc));
  const rowsMax = Math.min(queryBlock, nq);
  const { chunk, values, columns } = ortScratch(chunkRows * dim, rowsMax * take);
  for (let c0 = 0; c0 < nc; c0 += corpusChunk) {
    const w = Math.min(corpusChunk, nc - c0);
    const width = Math.max(w, take);
    normalizedRowsInto(chunk, corpus, cInv, c0, w, dim);
    chunk.fill(0, w * dim, width * dim);
    for (let q0 = 0; q0 < nq; q0 += queryBlock) {
      const rows = Math.min(queryBlock, nq - q0);
      const v = values.subarray(0, rows * take);
      const c = columns.subarray(0, rows * take);
      top.run(qn.subarray(q0 * dim, (q0 + rows) * dim), rows, chunk.subarray(0, width * dim), width, v, c);
      screen.offerTop(v, c, rows, take, w, q0, c0, width === take);
    }
  }
  return screen.finish(queries, corpus, dim, qInv, cInv);
}

let scratch: { chunk: Float32Array; values: Float32Array; columns: Float32Array } | undefined;

/**
 * The ORT engine's buffers, kept between calls: `ExactSearch` calls once per pool block, and a
 * fresh 16 MB chunk each time showed up as full garbage collections in its profile.
 */
function ortScratch(chunkFloats: number, topFloats: number) {
  if (!scratch || scratch.chunk.length < chunkFloats || scratch.values.length < topFloats) {
    scratch = { chunk: new Float32Array(chunkFloats), values: new Float32Array(topFloats), columns: new Float32Array(topFloats) };
  }
  return scratch;
}

function newScreen(input: TopKInput, k: number, dim: number): SimilarityScreen {
  return new SimilarityScreen(input.nq, k, screenMargin(dim), input.maxDistanceOf, input.excludeSelf ? input.queryOffset : -Infinity);
}

function topKCosineTfjs(
  queries: Float32Array,
  corpus: Float32Array,
  dim: number,
  k: number,
  input: TopKInput,
  queryBlock: number,
  corpusChunk: number,
): TopKResult {
  const { nq, nc, qInv, cInv } = input;
  const screen = newScreen(input, k, dim);
  const qBlocks: Tfjs.Tensor2D[] = [];
  let chunk: Tfjs.Tensor2D | undefined;
  try {
    const qn = normalizedRows(queries, qInv, 0, nq, dim);
    for (let q0 = 0; q0 < nq; q0 += queryBlock) {
      const rows = Math.min(queryBlock, nq - q0);
      qBlocks.push(tf.tensor2d(qn.subarray(q0 * dim, (q0 + rows) * dim), [rows, dim]));
    }
    for (let c0 = 0; c0 < nc; c0 += corpusChunk) {
      const w = Math.min(corpusChunk, nc - c0);
      // Transposed to [dim × rows] on the backend: the wasm matMul takes XNNPACK's fast path only
      // without transposeB (with it, ~20× slower, measured).
      const rowsTensor = tf.tensor2d(normalizedRows(corpus, cInv, c0, w, dim), [w, dim]);
      chunk = tf.transpose(rowsTensor);
      rowsTensor.dispose();
      for (let b = 0, q0 = 0; b < qBlocks.length; b++, q0 += queryBlock) {
        const sim = tf.matMul(qBlocks[b], chunk);
        try {
          screen.scanBlock(readFloats(sim), qBlocks[b].shape[0], w, q0, c0);
        } finally {
          sim.dispose();
        }
      }
      chunk.dispose();
      chunk = undefined;
    }
  } finally {
    chunk?.dispose();
    for (const t of qBlocks) t.dispose();
  }
  return screen.finish(queries, corpus, dim, qInv, cInv);
}

/** Rows r0 .. r0 + rows − 1 of `data` scaled by `inv` (1/‖row‖), as a new float32 matrix. */
function normalizedRows(data: Float32Array, inv: Float64Array, r0: number, rows: number, dim: number): Float32Array {
  return normalizedRowsInto(new Float32Array(rows * dim), data, inv, r0, rows, dim);
}

/** `normalizedRows` written into the start of `out`. */
function normalizedRowsInto(out: Float32Array, data: Float32Array, inv: Float64Array, r0: number, rows: number, dim: number): Float32Array {
  for (let r = 0, o = 0, i = r0 * dim; r < rows; r++) {
    const s = inv[r0 + r];
    for (let t = 0; t < dim; t++, o++, i++) out[o] = data[i] * s;
  }
  return out;
}

/**
 * The values of a float32 tensor without a copy where the backend allows: on wasm, a view of the
 * wasm heap (valid until the next tfjs allocation, so it is used at once); elsewhere `dataSync`.
 */
function readFloats(t: Tfjs.Tensor): Float32Array {
  const backend = tf.backend() as unknown as {
    wasm?: { HEAPU8?: Uint8Array };
    dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
  };
  const offset = backend.dataIdMap?.get(t.dataId)?.memoryOffset;
  const heap = backend.wasm?.HEAPU8;
  if (tf.getBackend() === 'wasm' && typeof offset === 'number' && heap) {
    return new Float32Array(heap.buffer, heap.byteOffset + offset, t.size);
  }
  return t.dataSync() as Float32Array;
}

function positiveInteger(fn: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  return v;
}
