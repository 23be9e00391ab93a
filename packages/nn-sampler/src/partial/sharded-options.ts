import { UsageError } from '@twindb/core-tensors';
import type { z } from 'zod';
import type { SampleOptionsSchema } from '../options.js';

/**
 * The flag combinations of a sharded search (`--pool-shard` + `--partial`, then `--merge`), checked
 * with the other options before any file is opened. The sharded search is exact: HNSW and saved
 * neighbours (--nn_npy) are refused rather than silently replaced.
 */
export function checkShardedOptions(o: z.output<typeof SampleOptionsSchema>): void {
  const shard = o.poolShard !== undefined;
  if (shard && o.merge) throw new UsageError('sample: --pool-shard and --merge are two different runs: first one --pool-shard run per shard, then one --merge run');
  if (shard && o.partial === undefined) throw new UsageError('sample: --pool-shard needs --partial <file>, the file this shard writes for the --merge run');
  if (!shard && o.partial !== undefined) throw new UsageError('sample: --partial is the output of a --pool-shard run; give --pool-shard i/n (or auto) too, or --merge to read partial files');
  if (shard && o.out !== undefined) throw new UsageError(`sample: --out ${o.out}: a --pool-shard run writes only its --partial file; give --out to the --merge run`);
  if (!shard && o.out === undefined) throw new UsageError('sample: --out is required (the output folder; --save_dir in the seed\'s spelling), except for a --pool-shard run');
  if (!shard && !o.merge) return;
  const flag = shard ? '--pool-shard' : '--merge';
  if (o.index === 'hnsw') throw new UsageError(`sample: ${flag} runs a sharded exact search; --index hnsw cannot be split that way (use --index exact or auto)`);
  if (o.nnNpy !== undefined) throw new UsageError(`sample: ${flag} runs a search; --nn_npy ${o.nnNpy} replaces the search with saved neighbours: give one`);
  if (o.checkRecall > 0) throw new UsageError(`sample: --check-recall measures HNSW against exact search; ${flag} runs an exact search only`);
  for (const [name, f] of [['--target', o.target], ...o.pool.map((p) => ['--pool', p] as const)] as const) {
    if (typeof f !== 'string') throw new UsageError(`sample: ${flag} needs feature files (their fingerprints tie the partial files together); ${name} ${f.name} is an in-memory source`);
  }
}
