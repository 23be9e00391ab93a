import os from 'node:os';
import { z } from 'zod';
import { formatZodIssues } from '../../errors/format-zod-issues.js';
import { UsageError } from '../../errors/twindb-error.js';
import type { ImageTransform } from '../augment/transform.js';
import { recipeOutputSize } from '../augment/strategies/transform-recipe.js';

/**
 * Smallest view side at which 'auto' moves decode + augmentation to worker threads. Below it the
 * per-image work is too small to pay for posting each image to a worker and its views back
 * (measured with `npm run bench -- decode`: see tools/bench/src/benches/decode.ts).
 */
export const AUTO_WORKERS_MIN_SIZE = 64;

export const DatasetWorkersSchema = z
  .union([z.literal('auto'), z.number().int().min(0)])
  .describe(
    `Worker threads that decode and augment a batch's images (default auto: one per core when views are at least ${AUTO_WORKERS_MIN_SIZE}×${AUTO_WORKERS_MIN_SIZE} and the transforms are strategy transforms, else 0 = on the main thread). Results are the same for any value.`,
  );
export type DatasetWorkers = z.output<typeof DatasetWorkersSchema>;

/**
 * How many workers a dataset uses. Only strategy transforms (those carrying a recipe) can be rebuilt
 * inside a worker; an explicit count with a custom transform is a usage error rather than a silent
 * fall-back, so that the caller learns why the option has no effect.
 */
export function resolveDatasetWorkers(workers: DatasetWorkers | undefined, transforms: readonly ImageTransform[], cores = os.availableParallelism?.() ?? os.cpus().length): number {
  const parsed = DatasetWorkersSchema.safeParse(workers ?? 'auto');
  if (!parsed.success) throw new UsageError(`workers: ${formatZodIssues(parsed.error.issues, () => 'workers')}`);
  const w = parsed.data;
  const portable = transforms.every((t) => t.recipe !== undefined);
  if (w === 'auto') {
    if (!portable || cores < 2) return 0;
    const size = Math.max(...transforms.map((t) => recipeOutputSize(t.recipe!)));
    return size >= AUTO_WORKERS_MIN_SIZE ? cores : 0;
  }
  if (w > 0 && !portable) {
    throw new UsageError(`workers ${w}: the dataset's transform is a custom function, which cannot run in a worker thread (use a strategy transform, e.g. simclrTransform, or workers 0)`);
  }
  return w;
}
