import { shardFromEnv, UsageError } from '@twindb/core-tensors';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** `i/n`: the i-th (0-based) of n contiguous, equal parts of the DB. */
export const ShardSchema = z
  .object({ index: z.number().int().nonnegative(), count: positiveInt })
  .refine((s) => s.index < s.count, { message: 'shard index must be below the shard count' })
  .describe('Part of the DB this run embeds: rows [⌊i·N/n⌋, ⌊(i+1)·N/n⌋); `auto` reads i and n from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, TWINDB_SHARD_COUNT) or a Slurm array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT)');
export type Shard = z.infer<typeof ShardSchema>;

/**
 * Options of {@link runExtract}: the single source of truth for the CLI's flags and the docs.
 * What the encoder expects (layout, input size, pixel normalisation) comes from the ONNX file's
 * `twindb.*` metadata; the overrides are for encoders exported elsewhere (bring your own ONNX).
 */
export const ExtractOptionsSchema = z.object({
  encoder: z.string().min(1).describe('ONNX encoder file (twindb pretext writes encoder.onnx)'),
  db: z.string().min(1).describe('DB spec: folder:/path, list:/file.txt, mnist:pool, cifar10:/path?split=test, voc:/root?set=ImageSets/Main/train.txt, ...'),
  out: z.string().min(1).describe('Arrow feature file to write (through a temp name, renamed when complete)'),
  csv: z
    .string()
    .min(1)
    .optional()
    .describe("also write the features as the fork's headerless CSV: one row name,f0,f1,… per image (name = id), as Python's csv.writer writes it (seed: --save_feature_name)"),
  batchSize: positiveInt.default(256).describe('Images per encoder call'),
  threads: positiveInt.optional().describe('ONNX Runtime intra-op threads (default: all cores)'),
  concurrency: positiveInt.optional().describe('Images decoded at once (default: 2 × cores)'),
  shard: ShardSchema.optional(),
  fit: z.enum(['crop', 'pad', 'stretch']).default('crop').describe('How images are brought to the input size'),
  layout: z.enum(['NHWC', 'NCHW']).optional().describe('Input layout override (default: metadata, else the input shape)'),
  inputShape: z.tuple([positiveInt, positiveInt, positiveInt]).optional().describe('[height, width, channels] override'),
  mean: z.array(z.number()).min(1).optional().describe('Per-channel mean of (x/255 − mean)/std, override'),
  std: z.array(z.number().positive()).min(1).optional().describe('Per-channel std of (x/255 − mean)/std, override'),
  l2Normalize: z.boolean().default(true).describe('L2-normalise embeddings the encoder did not normalise (cosine search needs it)'),
  runDir: z.string().optional().describe('Where extract.log.jsonl and extract.summary.json go (default: the output folder)'),
  force: z.boolean().default(false).describe('Re-extract even when `out` already holds this DB and encoder'),
});
export type ExtractOptionsInput = z.input<typeof ExtractOptionsSchema>;
export type ExtractOptions = z.output<typeof ExtractOptionsSchema>;

/**
 * Parses `i/n` as given on a command line, or `auto`: the index and count of the Kubernetes Indexed
 * Job or Slurm array this process runs in (read from `env`, see core's shardFromEnv).
 */
export function parseShard(text: string, env: Readonly<Record<string, string | undefined>> = process.env): Shard {
  if (text.trim() === 'auto') {
    const { index, count } = shardFromEnv(env);
    return { index, count };
  }
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`shard: expected "i/n" (e.g. 0/4) or "auto", got "${text}"`);
  const parsed = ShardSchema.safeParse({ index: Number(m[1]), count: Number(m[2]) });
  if (!parsed.success) throw new UsageError(`shard "${text}": ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** The source rows one shard covers. */
export function shardRange(total: number, shard: Shard | undefined): [number, number] {
  if (!shard) return [0, total];
  return [Math.floor((shard.index * total) / shard.count), Math.floor(((shard.index + 1) * total) / shard.count)];
}
