/**
 * The float32 screen of the exact top-k search (`topKCosineFast`, engine 'ort') on ONNX Runtime:
 * MLAS's GEMM for the similarities of a query block with a corpus chunk, then ONNX TopK for each
 * query's `take` largest, so only rows × take values ever leave the native side.
 *
 * Why: on this project's 2-core AVX2 machine MLAS reaches ~180 GFLOP/s for this shape where wasm's
 * XNNPACK (128-bit SIMD, no FMA) reaches ~40; and any pass over the n·m similarities in JS, even
 * over per-group maxima, cost more than the GEMM itself (measured: GEMM + group maxima + JS scan
 * 5.5 s for 200,000 × 5,000 × 128, GEMM + TopK 1.3–1.5 s). TopK runs threaded over rows and reads
 * each similarity once while it is still in cache.
 * The values returned are exact float32 similarities; everything not returned is ≤ their minimum,
 * which is what the screen needs to prove it lost nothing (see `SimilarityScreen.offerTop`).
 */
import * as os from 'node:os';
import { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { ortAvailability, OrtSyncSession } from './ort-sync-session.js';

export { ortAvailability };

/**
 * The graph: sims = queries · chunkᵀ (Gemm with transB, so corpus rows are fed as laid out), then
 * TopK(take) along each row, unsorted (sorting costs and the screen does not need it); the column
 * indices are cast to float32 (exact below 2²⁴, the widest chunk allowed) because the synchronous
 * session speaks float32 only. Rows and width are symbolic; width must be ≥ take.
 */
export function similarityTopGraph(dim: number, take: number): Uint8Array {
  const b = new OnnxGraphBuilder('twindb-similarity-top', 13);
  b.input('queries', ['rows', dim]);
  b.input('chunk', ['width', dim]);
  const sims = b.node('Gemm', ['queries', 'chunk'], { transB: 1 });
  const [values, indices] = ['values', b.fresh('indices')];
  b.node('TopK', [sims, b.int64Initializer('take', [take])], { axis: -1, largest: 1, sorted: 0 }, [values, indices]);
  b.node('Cast', [indices], { to: 1 /* FLOAT */ }, 'columns');
  b.output('values', ['rows', take]);
  b.output('columns', ['rows', take]);
  return b.toBytes();
}

/** Widest chunk: column indices travel as float32, exact up to 2²⁴. */
export const MAX_TOP_WIDTH = 2 ** 24;

/** An ORT session returning each query row's `take` most similar chunk rows; reusable across calls. */
export class OrtSimilarityTop {
  private readonly session: OrtSyncSession;

  constructor(
    readonly dim: number,
    readonly take: number,
    readonly threads: number = os.availableParallelism(),
  ) {
    this.session = new OrtSyncSession(similarityTopGraph(dim, take), { threads });
  }

  /**
   * For each of `rows` query rows (`queries`, [rows × dim]) the `take` largest float32
   * similarities with the `width` rows of `chunk` ([width × dim], take ≤ width ≤ 2²⁴), in no
   * particular order: `values[r·take + i]` is the similarity of query r with chunk row
   * `columns[r·take + i]`. Written into the caller's arrays (rows × take floats each), so a search
   * allocates nothing per block.
   */
  run(queries: Float32Array, rows: number, chunk: Float32Array, width: number, values: Float32Array, columns: Float32Array): void {
    if (width < this.take || width > MAX_TOP_WIDTH) {
      throw new RangeError(`similarity top: width ${width} must be between take (${this.take}) and 2^24`);
    }
    const dims = [rows, this.take];
    this.session.run(
      { queries: { data: queries, dims: [rows, this.dim] }, chunk: { data: chunk, dims: [width, this.dim] } },
      ['values', 'columns'],
      { values: { data: values, dims }, columns: { data: columns, dims } },
    );
  }

  dispose(): void {
    this.session.dispose();
  }
}

let cached: OrtSimilarityTop | undefined;

/**
 * The process-wide session for (dim, take) on all cores: sessions take milliseconds to create and
 * `ExactSearch` calls the screen once per pool block. A new shape replaces the cached one.
 */
export function sharedSimilarityTop(dim: number, take: number): OrtSimilarityTop {
  if (cached?.dim !== dim || cached.take !== take) {
    cached?.dispose();
    cached = undefined;
    cached = new OrtSimilarityTop(dim, take);
  }
  return cached;
}
