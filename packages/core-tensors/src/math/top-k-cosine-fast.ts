import type * as Tfjs from '@tensorflow/tfjs-core';
import { screenMargin, SimilarityScreen } from './similarity-screen.js';
import { topKCosine, type TopKCosineOptions, type TopKResult } from './top-k-cosine.js';
import { checkTopKInput, type TopKInput } from './top-k-input.js';

let tf: typeof Tfjs;

export interface TopKCosineFastOptions extends Omit<TopKCosineOptions, 'blockSize'> {
  /**
   * 'auto' (default): similarity blocks by a tfjs matMul unless the active backend is tfjs's plain-JS
   * 'cpu' (whose matMul is no faster than `topKCosine`), then `topKCosine`. 'tfjs': always tfjs.
   * 'js': always `topKCosine`. All engines return the same result.
   */
  engine?: 'auto' | 'tfjs' | 'js';
  /** Query rows per matMul (default 1024). Affects speed and memory only. */
  queryBlock?: number;
  /** Corpus rows uploaded to the backend at a time (default 4096). Affects speed and memory only. */
  corpusChunk?: number;
}

/**
 * `topKCosine` with the similarity blocks computed by a float32 tfjs matMul (XNNPACK on the wasm
 * backend, ~10× the JS kernel), and the same result bit for bit.
 *
 * The float32 similarities only screen (see `SimilarityScreen`): a candidate is dropped when its
 * float32 similarity is below the running k-th best by more than twice `screenMargin`, a bound on
 * the float32 error, so no true neighbour can be dropped. Survivors (about k·(1 + ln(n/k)) per
 * query on random order) are re-scored in float64 exactly as `topKCosine` scores them, so
 * distances, order and tie-breaking (lower corpus index) agree with it exactly.
 *
 * Initialises tfjs with `initBackend()` if no backend is active yet; otherwise uses the active one
 * (on wasm, the matMul uses the XNNPACK threads `initBackend` configured; the screen runs on the
 * calling thread).
 * Memory on the backend: corpusChunk × dim + nQueries × dim + queryBlock × corpusChunk floats.
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
  if (engine !== 'auto' && engine !== 'tfjs' && engine !== 'js') {
    throw new RangeError(`${fn}: engine must be 'auto', 'tfjs' or 'js', got ${String(engine)}`);
  }
  const queryBlock = positiveInteger(fn, 'queryBlock', opts.queryBlock ?? 1024);
  const corpusChunk = positiveInteger(fn, 'corpusChunk', opts.corpusChunk ?? 4096);
  const input = checkTopKInput(fn, queries, corpus, dim, k, opts);
  if (engine === 'js') return topKCosine(queries, corpus, dim, k, opts);
  // tfjs and the backends load on first use, so that importing the lean root never loads them.
  tf ??= await import('@tensorflow/tfjs-core');
  // backendName stays null until a backend is set; reading tf.getBackend() would pick one itself.
  if (tf.engine().backendName == null) await (await import('../backend/init-backend.js')).initBackend();
  if (engine === 'auto' && tf.getBackend() === 'cpu') return topKCosine(queries, corpus, dim, k, opts);
  return topKCosineTfjs(queries, corpus, dim, k, input, queryBlock, corpusChunk);
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
  const screen = new SimilarityScreen(
    nq,
    k,
    screenMargin(dim),
    input.maxDistance,
    input.excludeSelf ? input.queryOffset : -Infinity,
  );
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
  const out = new Float32Array(rows * dim);
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
