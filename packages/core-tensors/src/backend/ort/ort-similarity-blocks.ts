/**
 * Float32 similarity blocks for the exact top-k screen (`topKCosineFast`, engine 'ort') on ONNX
 * Runtime's native MLAS GEMM, with a group maximum fused into the graph.
 *
 * Why ORT: on this project's 2-core AVX2 machine the wasm XNNPACK matMul (128-bit SIMD, no FMA)
 * reaches about 40 GFLOP/s; MLAS uses AVX2 FMA on every intra-op thread.
 * Why the group maxima: the screen must look at every similarity (n·m of them), and a JS loop over
 * them costs about as much as a fifth of the GEMM. The graph also returns, per query row, the
 * maximum of each group of `groups` columns (a Reshape and a vectorised, threaded ReduceMax), so JS
 * reads one value per group and opens only the groups whose maximum reaches the query's threshold.
 * A group is `groups` columns `lanes` apart inside a span of groups·lanes columns: the reduction
 * runs over a middle axis, element-wise across runs of `lanes` floats (SIMD-friendly), and a group
 * still sits in one or two cache lines. (Groups strided across the whole row reduce as fast, but
 * opening one then reads a cache line and a page per member: the scan took a fifth of the time.)
 * A maximum is exact (no rounding), so no candidate is lost.
 */
import * as os from 'node:os';
import { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { ortAvailability, OrtSyncSession } from './ort-sync-session.js';

export { ortAvailability };

/**
 * One block's outputs: `sims` row-major [rows × width], `maxima` row-major [rows × width / groups]
 * where maxima[r, j] is the largest of sims[r, base + i·lanes] for i < groups, base = ⌊j / lanes⌋ ·
 * groups · lanes + j mod lanes.
 */
export interface SimilarityBlock {
  sims: Float32Array;
  maxima: Float32Array;
}

/**
 * The graph: sims = queries · chunkᵀ (ONNX Gemm with transB, so the corpus rows are fed as they are
 * laid out) and its group maxima (see `SimilarityBlock`). Rows and width are symbolic: one session
 * serves every block shape whose width is a multiple of groups · lanes.
 */
export function similarityBlockGraph(dim: number, groups: number, lanes: number): Uint8Array {
  const b = new OnnxGraphBuilder('twindb-similarity-blocks', 13);
  b.input('queries', ['rows', dim]);
  b.input('chunk', ['width', dim]);
  b.node('Gemm', ['queries', 'chunk'], { transB: 1 }, 'sims');
  b.output('sims', ['rows', 'width']);
  // [rows, width] → [rows, spans, groups, lanes], max over groups → [rows, spans · lanes].
  const grouped = b.node('Reshape', ['sims', b.int64Initializer('shape', [0, -1, groups, lanes])]);
  const reduced = b.node('ReduceMax', [grouped], { axes: [2], keepdims: 0 });
  b.node('Reshape', [reduced, b.int64Initializer('shape', [0, -1])], {}, 'maxima');
  b.output('maxima', ['rows', 'groupCount']);
  return b.toBytes();
}

/** An ORT session computing similarity blocks of `dim`-wide rows; reusable across calls. */
export class OrtSimilarityBlocks {
  private readonly session: OrtSyncSession;

  constructor(
    readonly dim: number,
    readonly groups: number,
    readonly lanes: number,
    readonly threads: number = os.availableParallelism(),
  ) {
    this.session = new OrtSyncSession(similarityBlockGraph(dim, groups, lanes), { threads });
  }

  /**
   * Similarities of `rows` query rows (`queries`, [rows × dim]) with `width` corpus rows (`chunk`,
   * [width × dim]; width a multiple of groups · lanes), written into `sims` ([rows × width] floats) and
   * their group maxima into `maxima` ([rows × width / groups] floats): the caller reuses both, so
   * a search allocates no per-block memory.
   */
  run(queries: Float32Array, rows: number, chunk: Float32Array, width: number, sims: Float32Array, maxima: Float32Array): SimilarityBlock {
    const span = this.groups * this.lanes;
    if (width % span !== 0) throw new RangeError(`similarity blocks: width ${width} is not a multiple of ${span} (groups × lanes)`);
    const out = this.session.run(
      { queries: { data: queries, dims: [rows, this.dim] }, chunk: { data: chunk, dims: [width, this.dim] } },
      ['sims', 'maxima'],
      { sims: { data: sims, dims: [rows, width] }, maxima: { data: maxima, dims: [rows, width / this.groups] } },
    );
    return { sims: out.sims, maxima: out.maxima };
  }

  dispose(): void {
    this.session.dispose();
  }
}

let cached: OrtSimilarityBlocks | undefined;

/**
 * The process-wide session for (dim, groups, lanes) on all cores: sessions take milliseconds to
 * create and `ExactSearch` calls the screen once per pool block. A new shape replaces the cached one.
 */
export function sharedSimilarityBlocks(dim: number, groups: number, lanes: number): OrtSimilarityBlocks {
  if (cached?.dim !== dim || cached.groups !== groups || cached.lanes !== lanes) {
    cached?.dispose();
    cached = undefined;
    cached = new OrtSimilarityBlocks(dim, groups, lanes);
  }
  return cached;
}
