import { shardFromEnv, UsageError } from '@twindb/core-tensors';
import { z } from 'zod';

/** `i/n`: the i-th (0-based) of n contiguous parts of the pool (its rows over all --pool files, in order). */
export const PoolShardSchema = z
  .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
  .refine((s) => s.index < s.count, { message: 'shard index must be below the shard count' });
export type PoolShard = z.infer<typeof PoolShardSchema>;

/** `--pool-shard i/n` or `auto` (the Kubernetes Indexed Job or Slurm array this process runs in, read from `env`). */
export function parsePoolShard(text: string, env: Readonly<Record<string, string | undefined>> = process.env): PoolShard {
  if (text.trim() === 'auto') {
    const { index, count } = shardFromEnv(env);
    return { index, count };
  }
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`pool shard: expected "i/n" (e.g. 0/4) or "auto", got "${text}"`);
  const parsed = PoolShardSchema.safeParse({ index: Number(m[1]), count: Number(m[2]) });
  if (!parsed.success) throw new UsageError(`pool shard "${text}": ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/**
 * The global pool rows a shard searches: [⌊i·N/n⌋, ⌊(i+1)·N/n⌋), the split of `twindb extract
 * --shard`, so n shards cover every row exactly once (a shard may be empty when n > N).
 */
export function poolShardRange(total: number, shard: PoolShard): [number, number] {
  return [Math.floor((shard.index * total) / shard.count), Math.floor(((shard.index + 1) * total) / shard.count)];
}
