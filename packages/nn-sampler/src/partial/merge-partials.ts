import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InputDataError, isInside, mergeTopK, OutputPathError, type Rng, type StepContext } from '@twindb/core-tensors';
import { scanPool } from '../io/pool-scan.js';
import type { SampleOptions } from '../options.js';
import type { DedupResult } from '../phases/dedup-targets.js';
import type { SampleInputs } from '../phases/open-inputs.js';
import { searchDepth, searchPlan, type PoolSearch } from '../phases/search-pool.js';
import { emptyNeighborLists } from '../search/neighbor-lists.js';
import { openPartialFile, type PartialFile } from './partial-file.js';
import { identityMismatch, partialIdentity } from './partial-identity.js';
import { poolShardRange } from './pool-shard.js';

/**
 * Phase 2 of a `--merge` run, in place of the search: the partial files of every shard, checked
 * against this run's own inputs and options (pool, target, encoder, K, de-duplication: see
 * partial-identity.ts) and against each other (every shard of one split exactly once), merged
 * exactly block of targets by block (each target's global top-`depth` by distance, ties by the
 * lower pool row, as one exact search orders them). The pool is then streamed once for what the
 * search pass also collects (labels, the report's uniform sample), with the same random stream,
 * so selection, report and files equal those of a one-process exact run.
 */
export async function mergePartials(inputs: SampleInputs, o: SampleOptions, dedup: DedupResult | null, rng: Rng, ctx: StepContext): Promise<PoolSearch> {
  const files = o.merge ?? [];
  const depth = searchDepth(inputs, o);
  const mine = await partialIdentity(inputs, o, dedup, depth);
  const opened: PartialFile[] = [];
  try {
    for (const f of files) opened.push(await openPartialFile(f));
    for (const p of opened) {
      const why = identityMismatch(p.file, p.header.identity, mine);
      if (why) throw new InputDataError(why);
    }
    checkCoverage(opened, inputs.poolRows);
    const targets = inputs.target.matrix.rows;
    ctx.log(`merging ${opened.length} partial files: top ${depth} of ${targets} targets over ${inputs.poolRows} pool rows`);
    const lists = emptyNeighborLists(targets, depth);
    const batches = opened[0].batches;
    for (const p of opened) {
      if (p.batches !== batches) throw new InputDataError(`${p.file}: ${p.batches} record batches, but ${opened[0].file} has ${batches}: the files were not written for the same targets`);
    }
    let next = 0;
    for (let b = 0; b < batches; b++) {
      const blocks = await Promise.all(opened.map((p) => p.readBlock(b)));
      const { rows } = blocks[0];
      blocks.forEach((blk, i) => {
        if (blk.start !== next || blk.rows !== rows || blk.indices.length !== rows * depth) {
          throw new InputDataError(`${opened[i].file}: record batch ${b} holds targets ${blk.start}–${blk.start + blk.rows}, expected ${next}–${next + rows} with ${depth} candidates each`);
        }
      });
      // Global rows already (offset 0): a shard holds its own exact top-depth, so this is exact.
      const merged = mergeTopK(blocks.map((blk) => ({ indices: blk.indices, distances: blk.distances })), rows, depth);
      lists.indices.set(merged.indices, next * depth);
      lists.distances.set(merged.distances, next * depth);
      next += rows;
    }
    if (next !== targets) throw new InputDataError(`${opened[0].file}: holds ${next} targets, expected ${targets}`);
    ctx.signal?.throwIfAborted();
    // The one-process exact search forks nothing before this pass (HNSW's recall check does): same stream.
    const progress = ctx.progress('pool pass', inputs.poolRows, 'rows');
    const scan = await scanPool(inputs.shards, async (blk) => progress.tick(blk.embeddings.length / inputs.targetSource.dim), 20_000, rng.fork());
    return { lists, scan, depth, index: 'exact', plan: searchPlan(inputs, o), hnswStats: null, recall: null };
  } finally {
    await Promise.all(opened.map((p) => p.close().catch(() => undefined)));
  }
}

/** The output folder is replaced as a whole: it must not hold a partial file the merge reads. */
export function refusePartialsInOut(files: readonly string[], out: string): void {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  for (const f of files) {
    if (isInside(real(f), real(out))) throw new OutputPathError(out, `--out ${out} holds the partial file ${f} this merge reads; keep the partial files outside the output folder`);
  }
}

/** Every shard of one split (same n) exactly once, each covering the rows `--pool-shard i/n` covers. */
function checkCoverage(opened: readonly PartialFile[], poolRows: number): void {
  const n = opened[0].header.shard.count;
  const byIndex = new Map<number, PartialFile>();
  for (const p of opened) {
    const s = p.header.shard;
    if (s.count !== n) {
      throw new InputDataError(`${p.file}: shard ${s.index}/${s.count}, but ${opened[0].file} is shard ${opened[0].header.shard.index}/${n}: the files come from different splits of the pool`);
    }
    const [start, end] = poolShardRange(poolRows, s);
    if (s.start !== start || s.end !== end) {
      throw new InputDataError(`${p.file}: shard ${s.index}/${n} searched pool rows ${s.start}–${s.end}, expected ${start}–${end}`);
    }
    const twin = byIndex.get(s.index);
    if (twin) throw new InputDataError(`${p.file}: shard ${s.index}/${n} is given twice (also ${twin.file}); give each shard's partial file once`);
    byIndex.set(s.index, p);
  }
  const missing: string[] = [];
  for (let i = 0; i < n; i++) {
    if (!byIndex.has(i)) {
      const [start, end] = poolShardRange(poolRows, { index: i, count: n });
      missing.push(`${i}/${n} (pool rows ${start}–${end})`);
    }
  }
  if (missing.length > 0) {
    throw new InputDataError(
      `--merge: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing: no given partial file holds ${missing.length > 1 ? 'them' : 'it'} (given: ${opened.map((p) => `${p.file} = ${p.header.shard.index}/${n}`).join(', ')}); run the missing --pool-shard job${missing.length > 1 ? 's' : ''} first`,
    );
  }
}
