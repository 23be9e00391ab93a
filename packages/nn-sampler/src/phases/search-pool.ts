import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { InputDataError, type Rng, type StepContext } from '@twindb/core-tensors';
import { takeRows } from '../embedding-matrix.js';
import { scanPool, type PoolScan } from '../io/pool-scan.js';
import type { SampleOptions } from '../options.js';
import { ExactSearch, type PoolBlock } from '../search/exact-search.js';
import { HnswSearch, type HnswShardStats } from '../search/hnsw-search.js';
import { chooseIndex } from '../search/index-choice.js';
import type { NeighborLists } from '../search/neighbor-lists.js';
import { readNpyInt } from '../seed/npy.js';
import type { SampleInputs } from './open-inputs.js';

/** What the search found: each target's nearest pool items, and one streamed pass over the pool. */
export interface PoolSearch {
  lists: NeighborLists;
  scan: PoolScan;
  /** Neighbours searched per target. */
  depth: number;
  index: 'exact' | 'hnsw';
  plan: ReturnType<typeof chooseIndex>;
  /** Per HNSW shard: rows and times; the saved neighbours' file with --nn_npy; null for an exact search. */
  hnswStats: HnswShardStats[] | { savedNeighbors: string } | null;
  recall: { targets: number; k: number; recall: number } | null;
}

/** Neighbours searched per target (a sharded search computes it as a one-process run does). */
export function searchDepth(inputs: SampleInputs, o: SampleOptions): number {
  const { poolRows, k } = inputs;
  let depth = o.mode === 'union' ? k : Math.min(poolRows, Math.max(k, o.searchDepth ?? Math.max(8 * k, 64)));
  // The seed's outputs list each kept target's top K + 1 (the fork searches K + 1, keeps K).
  if (o.seedKs) depth = Math.min(poolRows, Math.max(depth, o.seedKs[o.seedKs.length - 1] + 1));
  return depth;
}

/** The cost model's verdict (report.json's search.costModel, also in a merged run). */
export function searchPlan(inputs: SampleInputs, o: SampleOptions): ReturnType<typeof chooseIndex> {
  // A saved index beside every file shard makes HNSW's build free (the worker checks its params).
  const cached = o.pool.every((p) => typeof p === 'string' && existsSync(`${p}.hnsw`));
  return chooseIndex(inputs.target.matrix.rows, inputs.poolRows, inputs.targetSource.dim, o.efConstruction, o.efSearch, cached);
}

/**
 * Phase 2: the top-`depth` pool neighbours of every target (exact blocked search or HNSW shards,
 * chosen by a cost model), in one streamed pass over the pool that also keeps a uniform sample and
 * the labels for the report.
 */
export async function searchPool(inputs: SampleInputs, o: SampleOptions, rng: Rng, ctx: StepContext): Promise<PoolSearch> {
  const { target, shards, poolRows, k } = inputs;
  const t0 = Date.now();
  const depth = searchDepth(inputs, o);
  if (o.nnNpy) return savedNeighbors(inputs, o, o.nnNpy, depth, rng, ctx);
  const plan = searchPlan(inputs, o);
  // The fork's search is exact (faiss IndexFlatIP): the seed path stays exact unless HNSW is asked for.
  const index = o.index === 'auto' ? (o.nnMaker ? 'exact' : plan.choice) : o.index;
  ctx.log(`searching ${poolRows} pool rows for ${target.matrix.rows} targets (top ${depth}, ${index})`);

  const dim = inputs.targetSource.dim;
  let onBlock: (b: PoolBlock) => Promise<void>;
  let finish: () => Promise<NeighborLists>;
  let hnswStats: PoolSearch['hnswStats'] = null;
  // --check-recall N: exact lists of N sampled targets, computed in the same pass over the pool.
  const recallIdx = index === 'hnsw' && o.checkRecall > 0 ? rng.fork().permutation(target.matrix.rows).subarray(0, Math.min(o.checkRecall, target.matrix.rows)).sort() : null;
  const recallSearch = recallIdx ? new ExactSearch(takeRows(target.matrix, recallIdx), depth) : null;
  if (index === 'exact') {
    const search = new ExactSearch(target.matrix, depth);
    const progress = ctx.progress('search', poolRows, 'rows');
    onBlock = async (b) => {
      await search.add(b);
      progress.tick(b.embeddings.length / dim);
    };
    finish = async () => search.result();
  } else {
    // The build is what takes time (each worker searches its shard right after): a bar over the rows indexed.
    const progress = ctx.progress('hnsw index', poolRows, 'rows');
    const hnsw = new HnswSearch(target.matrix, depth, { M: o.hnswM, efConstruction: o.efConstruction, efSearch: o.efSearch }, o.jobs, (rows) => progress.tick(rows));
    const starts: number[] = [];
    let acc = 0;
    for (const sh of shards) {
      starts.push(acc);
      acc += sh.rows;
    }
    const buffers = shards.map((sh) => ({ data: new Float32Array(sh.rows * dim), filled: 0 }));
    const pieces = Math.max(1, o.jobs);
    onBlock = async (b) => {
      if (recallSearch) await recallSearch.add(b);
      const rows = b.embeddings.length / dim;
      let s = 0;
      while (s + 1 < shards.length && b.offset >= starts[s + 1]) s++;
      const buf = buffers[s];
      buf.data.set(b.embeddings, (b.offset - starts[s]) * dim);
      buf.filled += rows;
      if (buf.filled < shards[s].rows) return;
      // A full shard: split it so that every worker has a piece, then queue the pieces.
      const n = shards[s].rows >= 20_000 * pieces ? pieces : 1;
      const file = typeof o.pool[s] === 'string' ? (o.pool[s] as string) : null;
      const st = file ? await fs.stat(file) : null;
      for (let p = 0; p < n; p++) {
        const r0 = Math.floor((p * shards[s].rows) / n);
        const r1 = Math.floor(((p + 1) * shards[s].rows) / n);
        const indexPath = file ? (n === 1 ? `${file}.hnsw` : `${file}.${p + 1}of${n}.hnsw`) : undefined;
        const source = file && st ? `${path.resolve(file)}:${st.size}:${st.mtimeMs}:${r0}-${r1}` : undefined;
        hnsw.addShard(buf.data.subarray(r0 * dim, r1 * dim), starts[s] + r0, indexPath, source);
      }
    };
    finish = async () => {
      const l = await hnsw.result();
      hnswStats = hnsw.stats;
      return l;
    };
  }
  const scan = await scanPool(shards, onBlock, 20_000, rng.fork());
  const lists = await finish();
  let recall: { targets: number; k: number; recall: number } | null = null;
  if (recallSearch && recallIdx) {
    const ex = await recallSearch.result();
    let hit = 0;
    let total = 0;
    recallIdx.forEach((t, q) => {
      const truth = new Set<number>();
      for (let j = 0; j < k; j++) if (ex.indices[q * depth + j] >= 0) truth.add(ex.indices[q * depth + j]);
      for (let j = 0; j < k; j++) if (truth.has(lists.indices[t * depth + j])) hit++;
      total += truth.size;
    });
    recall = { targets: recallIdx.length, k, recall: total ? hit / total : NaN };
    ctx.log(`HNSW recall@${k} on ${recallIdx.length} targets: ${recall.recall.toFixed(4)}`);
  }
  ctx.log(`search done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  return { lists, scan, depth, index, plan, hnswStats, recall };
}

/**
 * --nn_npy: the neighbours saved by an earlier run (the fork's `topk{K}_neighbors_val_from_train.npy`,
 * rows `[kept-target position, K + 1 pool indices]`) instead of a search; their distances are
 * computed in the one pass over the pool. The file must match the inputs (rows = kept targets,
 * enough columns for the largest K + 1, indices inside the pool).
 */
async function savedNeighbors(inputs: SampleInputs, o: SampleOptions, file: string, depth: number, rng: Rng, ctx: StepContext): Promise<PoolSearch> {
  const { target, shards, poolRows } = inputs;
  const npy = await readNpyInt(file);
  const want = target.matrix.rows;
  if (npy.rows !== want || npy.cols < depth + 1) {
    throw new InputDataError(
      `${file}: shape (${npy.rows}, ${npy.cols}) does not match the inputs: expected ${want} rows (the kept targets) and at least ${depth + 1} columns (target position + top ${depth})`,
    );
  }
  const indices = new Int32Array(want * depth).fill(-1);
  const distances = new Float32Array(want * depth).fill(Infinity);
  const wanted = new Map<number, number[]>();
  for (let t = 0; t < want; t++) {
    const pos = npy.data[t * npy.cols];
    if (pos !== t) throw new InputDataError(`${file}: row ${t}: first column is ${pos}, expected the target position ${t}`);
    for (let j = 0; j < depth; j++) {
      const p = npy.data[t * npy.cols + 1 + j];
      if (p === -1) break;
      if (!Number.isInteger(p) || p < 0 || p >= poolRows) throw new InputDataError(`${file}: row ${t}, column ${j + 1}: pool index ${p} is outside the pool (${poolRows} rows)`);
      indices[t * depth + j] = p;
      const list = wanted.get(p);
      if (list) list.push(t * depth + j);
      else wanted.set(p, [t * depth + j]);
    }
  }
  const dim = inputs.targetSource.dim;
  ctx.log(`neighbours from ${file} (top ${depth} of ${want} targets); computing their distances over ${poolRows} pool rows`);
  const scan = await scanPool(
    shards,
    async (b) => {
      const rows = b.embeddings.length / dim;
      for (let r = 0; r < rows; r++) {
        const entries = wanted.get(b.offset + r);
        if (!entries) continue;
        let nn = 0;
        for (let j = 0; j < dim; j++) nn += b.embeddings[r * dim + j] * b.embeddings[r * dim + j];
        const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
        for (const e of entries) {
          const t = Math.floor(e / depth);
          let s = 0;
          for (let j = 0; j < dim; j++) s += target.matrix.data[t * dim + j] * b.embeddings[r * dim + j];
          distances[e] = 1 - s * inv;
        }
      }
    },
    20_000,
    rng.fork(),
  );
  const plan = chooseIndex(want, poolRows, dim, o.efConstruction, o.efSearch, false);
  return { lists: { queries: want, k: depth, indices, distances }, scan, depth, index: 'exact', plan, hnswStats: { savedNeighbors: file }, recall: null };
}
