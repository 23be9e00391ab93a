import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stepContext, tempPathFor, UsageError, untrackTemp, type StepContext } from '@twindb/core-tensors';
import { normalizeRows } from '../embedding-matrix.js';
import { checkRows } from '../io/check-rows.js';
import { parseSampleOptions, type SampleOptionsInput } from '../options.js';
import { dedupTargets } from '../phases/dedup-targets.js';
import { openInputs } from '../phases/open-inputs.js';
import { searchDepth } from '../phases/search-pool.js';
import { ExactSearch } from '../search/exact-search.js';
import { emptyNeighborLists, type NeighborLists } from '../search/neighbor-lists.js';
import { checkPartialOutput, writePartialFile, type PartialHeader } from './partial-file.js';
import { partialIdentity } from './partial-identity.js';
import { poolShardRange, type PoolShard } from './pool-shard.js';

/** What one `--pool-shard` run did (`--json` prints it). */
export interface PartialSearchResult {
  readonly partial: string;
  readonly shard: PoolShard;
  /** Global pool rows [start, end) searched. */
  readonly range: [number, number];
  readonly targets: number;
  readonly depth: number;
  readonly warnings: string[];
  readonly seconds: number;
}

/**
 * One shard of a sharded exact search (`twindb sample --pool-shard i/n --partial F`): the same
 * inputs, checks and target de-duplication as a one-process run, then the exact top-`depth` of
 * every kept target over the shard's contiguous part of the pool only, written to F with the
 * identity of the search (see partial-identity.ts). `twindb sample --merge` combines the files.
 */
export async function runPartialSearch(input: SampleOptionsInput, context: Partial<StepContext> = {}): Promise<PartialSearchResult> {
  const o = parseSampleOptions(input);
  if (!o.poolShard || !o.partial) throw new UsageError('sample: runPartialSearch needs poolShard and partial (--pool-shard, --partial)');
  const shard = o.poolShard;
  const partial = o.partial;
  const ctx = stepContext(context);
  const t0 = Date.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    ctx.log(`warning: ${m}`);
  };
  const files = [o.target, ...o.pool] as string[];
  // The partial file is an output: never one of the inputs, never a file twindb did not write.
  await checkPartialOutput(partial, files);
  // openInputs checks a folder it will write; this run writes only `partial`, so it gets a
  // never-created name beside it (its scratch area for CSV inputs is removed below).
  const inputs = await openInputs({ ...o, out: tempPathFor(path.resolve(partial)) }, warn, ctx.log);
  try {
    const dedup = await dedupTargets(inputs, o, ctx);
    const depth = searchDepth(inputs, o);
    const [start, end] = poolShardRange(inputs.poolRows, shard);
    ctx.log(`shard ${shard.index}/${shard.count}: searching pool rows ${start}–${end} of ${inputs.poolRows} for ${inputs.target.matrix.rows} targets (top ${depth}, exact)`);
    const lists = await searchRange(inputs.shards, inputs.target.matrix, depth, start, end, ctx);
    ctx.signal?.throwIfAborted();
    const identity = await partialIdentity(inputs, o, dedup, depth);
    const header: PartialHeader = { format: 1, identity, shard: { index: shard.index, count: shard.count, start, end } };
    await writePartialFile(partial, header, lists, files);
    ctx.log(`wrote ${partial}`);
    return { partial, shard, range: [start, end], targets: lists.queries, depth, warnings, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await fs.rm(inputs.scratch, { recursive: true, force: true });
    untrackTemp(inputs.scratch);
  }
}

/**
 * Exact search over the global pool rows [start, end): the pool is streamed file by file, rows
 * outside the range are skipped, the rest is checked, unit-normalised and searched block by block
 * exactly as a one-process run searches them, with global row numbers (so ties break the same way).
 */
async function searchRange(
  shards: SampleInputsShards,
  targets: ConstructorParameters<typeof ExactSearch>[0],
  depth: number,
  start: number,
  end: number,
  ctx: StepContext,
): Promise<NeighborLists> {
  if (end <= start) return emptyNeighborLists(targets.rows, depth);
  const search = new ExactSearch(targets, depth);
  const progress = ctx.progress('search', end - start, 'rows');
  let offset = 0;
  for (const shard of shards) {
    const dim = shard.dim;
    if (offset + shard.rows > start && offset < end) {
      for await (const b of shard.batches()) {
        const g0 = offset + b.rowOffset;
        const rows = b.ids.length;
        const lo = Math.max(start, g0);
        const hi = Math.min(end, g0 + rows);
        if (hi > lo) {
          const slice = b.embeddings.subarray((lo - g0) * dim, (hi - g0) * dim);
          checkRows(shard.name, slice, dim, b.rowOffset + (lo - g0));
          await search.add({ offset: lo, embeddings: normalizeRows({ rows: hi - lo, dim, data: slice }).data });
          progress.tick(hi - lo);
          ctx.signal?.throwIfAborted();
        }
        // Breaking out closes the file; the rest of the pool is another shard's.
        if (g0 + rows >= end) break;
      }
    }
    offset += shard.rows;
  }
  return search.result();
}

type SampleInputsShards = Awaited<ReturnType<typeof openInputs>>['shards'];
