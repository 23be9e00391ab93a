import { Worker } from 'node:worker_threads';
import { mergeTopK } from '@twindb/core-tensors';
import type { EmbeddingMatrix } from '../embedding-matrix.js';
import type { NeighborLists } from './neighbor-lists.js';

export interface HnswParams {
  M: number;
  efConstruction: number;
  efSearch: number;
}

export interface HnswShardStats {
  shard: number;
  rows: number;
  buildSeconds: number;
  searchSeconds: number;
  reused: boolean;
}

interface JobResult {
  indices: Int32Array;
  distances: Float32Array;
  buildSeconds: number;
  searchSeconds: number;
  reused: boolean;
}

/**
 * Approximate k-NN with one hnswlib-node (cosine) index per pool shard, built and searched in
 * `jobs` worker threads (hnswlib-node is single-threaded), merged exactly across shards. Big shards
 * are split into `jobs` pieces so that both cores work even on one shard. With `indexPath`, a
 * shard's index is saved beside its features with its parameters and reused while they match.
 */
export class HnswSearch {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly parts: { indices: Int32Array; distances: Float32Array; offset: number }[] = [];
  readonly stats: HnswShardStats[] = [];
  private nextId = 0;

  /**
   * @param onIndexed called as pool rows enter a shard's index (built or read from a saved one):
   *   the count of new rows, for a progress bar of the build.
   */
  constructor(
    private readonly targets: EmbeddingMatrix,
    private readonly k: number,
    private readonly params: HnswParams,
    jobs: number,
    private readonly onIndexed: (rows: number) => void = () => {},
  ) {
    for (let i = 0; i < jobs; i++) {
      const w = new Worker(new URL('./hnsw-worker.mjs', import.meta.url));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Queues one shard (unit rows, global offset); `source` identifies it for index reuse. */
  addShard(shard: Float32Array, offset: number, indexPath?: string, source?: string): void {
    const shardNo = this.stats.length + this.pending.length;
    const p = this.run(shard, offset, indexPath, source).then((r) => {
      this.parts.push({ indices: r.indices, distances: r.distances, offset });
      this.stats.push({ shard: shardNo, rows: shard.length / this.targets.dim, buildSeconds: r.buildSeconds, searchSeconds: r.searchSeconds, reused: r.reused });
    });
    this.pending.push(p);
  }

  async result(): Promise<NeighborLists> {
    try {
      await Promise.all(this.pending);
    } finally {
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
    const merged = mergeTopK(this.parts, this.targets.rows, this.k);
    return { queries: this.targets.rows, k: this.k, indices: merged.indices, distances: merged.distances };
  }

  private async run(shard: Float32Array, offset: number, indexPath?: string, source?: string): Promise<JobResult> {
    while (this.idle.length === 0) await new Promise<void>((r) => this.waiting.push(r));
    const w = this.idle.pop()!;
    const id = this.nextId++;
    try {
      return await new Promise<JobResult>((resolve, reject) => {
        let indexed = 0;
        const onMsg = (m: { id: number; ok: boolean; error?: string; progress?: number } & JobResult) => {
          if (m.id !== id) return;
          if (m.progress !== undefined) {
            this.onIndexed(m.progress - indexed);
            indexed = m.progress;
            return;
          }
          w.off('message', onMsg);
          w.off('error', onErr);
          if (m.ok) resolve(m);
          else reject(new Error(`HNSW shard at pool row ${offset}: ${m.error}`));
        };
        const onErr = (e: Error) => reject(e);
        w.on('message', onMsg);
        w.on('error', onErr);
        w.postMessage({
          id,
          dim: this.targets.dim,
          rows: shard.length / this.targets.dim,
          shard,
          queries: this.targets.data,
          k: this.k,
          ...this.params,
          indexPath,
          source,
        });
      });
    } finally {
      this.idle.push(w);
      this.waiting.shift()?.();
    }
  }
}
