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
 * Exact k-NN of every target over a pool that arrives block by block: each block is searched with
 * core's blocked top-k and merged into the running lists, so memory is O(targets × k + one block)
 * whatever the pool size, and the result equals one search over the whole pool (same distances,
 * ties by lower global index).
 */
export class ExactSearch {
  private lists: NeighborLists | null = null;

  constructor(
    private readonly targets: EmbeddingMatrix,
    private readonly k: number,
    private readonly engine: ExactEngine = 'auto',
  ) {}

  async add(block: PoolBlock): Promise<void> {
    const rows = block.embeddings.length / this.targets.dim;
    if (rows === 0) return;
    const part = await topKCosineFast(this.targets.data, block.embeddings, this.targets.dim, Math.min(this.k, rows), {
      engine: this.engine,
    });
    const parts = [{ indices: part.indices, distances: part.distances, offset: block.offset }];
    if (this.lists) parts.push({ indices: this.lists.indices, distances: this.lists.distances, offset: 0 });
    const merged = mergeTopK(parts, this.targets.rows, this.k);
    this.lists = { queries: this.targets.rows, k: this.k, indices: merged.indices, distances: merged.distances };
  }

  result(): NeighborLists {
    if (!this.lists) throw new RangeError('ExactSearch: the pool is empty');
    return this.lists;
  }
}
