import { mergeTopK, topKCosineFast, type TopKCosineFastOptions } from '@twindb/core-tensors';
import type { EmbeddingMatrix } from '../embedding-matrix.js';
import type { NeighborLists } from './neighbor-lists.js';

/** Where a block of pool rows sits in the whole pool (all shards, in order). */
export interface PoolBlock {
  readonly offset: number;
  readonly embeddings: Float32Array;
}

/** core's similarity engine for the float32 screen ('auto' | 'ort' | 'tfjs' | 'js'); results never depend on it. */
export type ExactEngine = NonNullable<TopKCosineFastOptions['engine']>;

/**
 * Pool floats gathered before one search (32 MB): feature files arrive in record batches of a few
 * thousand rows, and each search call pays a fixed cost (its first chunk starts without a
 * threshold, the per-call set-up, a merge). Measured on 200,000 × 5,000 × 128: blocks of 16,384
 * rows 1.70 s, of 65,536 rows 1.40 s.
 */
const GATHER_FLOATS = 8 * 1024 * 1024;

/**
 * Exact k-NN of every target over a pool that arrives block by block: blocks are gathered into
 * runs of about 32 MB of contiguous rows, each run is searched with core's blocked top-k and merged
 * into the running lists, so memory is O(targets × k + one run) whatever the pool size, and the
 * result equals one search over the whole pool (same distances, ties by lower global index).
 */
export class ExactSearch {
  private lists: NeighborLists | null = null;
  /** Allocated on first use: a one-block search (target de-duplication) never needs it. */
  private gather: Float32Array | null = null;
  private readonly gatherRows: number;
  private gathered = 0;
  private gatherOffset = 0;

  constructor(
    private readonly targets: EmbeddingMatrix,
    private readonly k: number,
    private readonly engine: ExactEngine = 'auto',
    /** Pool rows gathered before a search (default ~32 MB of rows). Affects speed and memory only. */
    gatherRows = Math.max(1, Math.floor(GATHER_FLOATS / targets.dim)),
  ) {
    this.gatherRows = gatherRows;
  }

  async add(block: PoolBlock): Promise<void> {
    const dim = this.targets.dim;
    const rows = block.embeddings.length / dim;
    if (rows === 0) return;
    const fits = this.gathered + rows <= this.gatherRows;
    const contiguous = this.gathered === 0 || block.offset === this.gatherOffset + this.gathered;
    if (!fits || !contiguous) await this.flush();
    if (rows >= this.gatherRows) {
      // A block at least a run long is searched as it is (no copy).
      await this.search(block.offset, block.embeddings);
      return;
    }
    if (this.gathered === 0) this.gatherOffset = block.offset;
    // Copied: the caller may reuse its buffer for the next batch.
    this.gather ??= new Float32Array(this.gatherRows * dim);
    this.gather.set(block.embeddings, this.gathered * dim);
    this.gathered += rows;
  }

  /** The lists over every row added so far (searches what is still gathered first). */
  async result(): Promise<NeighborLists> {
    await this.flush();
    if (!this.lists) throw new RangeError('ExactSearch: the pool is empty');
    return this.lists;
  }

  private async flush(): Promise<void> {
    if (this.gathered === 0) return;
    const rows = this.gathered;
    this.gathered = 0;
    await this.search(this.gatherOffset, this.gather!.subarray(0, rows * this.targets.dim));
  }

  private async search(offset: number, embeddings: Float32Array): Promise<void> {
    const rows = embeddings.length / this.targets.dim;
    // Only rows at most as far as a target's current k-th neighbour can enter its list: passing that
    // distance lets the screen start every target at its final threshold instead of from nothing
    // (measured: a fifth of the search was re-scoring candidates that could not make the list).
    const part = await topKCosineFast(this.targets.data, embeddings, this.targets.dim, Math.min(this.k, rows), {
      engine: this.engine,
      ...(this.lists && { maxDistance: kthDistances(this.lists) }),
    });
    const parts = [{ indices: part.indices, distances: part.distances, offset }];
    if (this.lists) parts.push({ indices: this.lists.indices, distances: this.lists.distances, offset: 0 });
    const merged = mergeTopK(parts, this.targets.rows, this.k);
    this.lists = { queries: this.targets.rows, k: this.k, indices: merged.indices, distances: merged.distances };
  }
}

/** Each query's k-th distance in `lists` (Infinity while it has fewer than k neighbours). */
function kthDistances(lists: NeighborLists): Float32Array {
  const out = new Float32Array(lists.queries);
  for (let q = 0; q < lists.queries; q++) out[q] = lists.distances[q * lists.k + lists.k - 1];
  return out;
}
