import path from 'node:path';
import { checkOptimizerConfig, OptimizerKwargsSchema, OptimizerNameSchema, SchedulerKwargsSchema, SchedulerNameSchema } from '@twindb/core-tensors/nn';
import { z } from 'zod';
import { parseConfigWith, readYamlFile } from '@twindb/core-tensors';
import { checkDbSpec, DbSpecInputSchema } from '@twindb/core-tensors/data';

/**
 * The SCAN YAML (`configs/scan/*.yml`) with the reference's key names and meanings
 * (scan-reference-spec §1.2–1.3), plus twindb's `train_db`/`val_db` (DB specs) and `seed`.
 * Unknown keys are rejected so a typo (`entropy_weigth:`) never falls back to a default silently.
 * In frozen-feature mode `backbone`, `model_kwargs` and the augmentation keys describe the image
 * pipeline only (image mode, `mode: image`, reads them); they are accepted as given.
 */
export const ScanConfigSchema = z
  .object({
    setup: z.literal('scan'),
    mode: z
      .enum(['frozen', 'image'])
      .default('frozen')
      .describe('frozen (default): heads on stored embeddings; image: backbone from a pretext run + heads, trained on augmented images'),
    backbone: z.string().min(1).describe('backbone of the image pipeline (resnet18, small-cnn, resnet50); informational in frozen mode'),
    model_kwargs: z.record(z.string(), z.unknown()).optional(),
    train_db: DbSpecInputSchema.describe('the DB being clustered (in frozen mode: the DB the features file was extracted from)'),
    val_db: DbSpecInputSchema.optional().describe('val DB for label-free head selection (and printed metrics when labelled)'),
    num_classes: z.number().int().min(2).describe('K, clusters per head'),
    num_heads: z.number().int().min(1).default(1).describe('H heads trained side by side; the lowest val loss one is kept'),
    num_neighbors: z.number().int().min(1).describe('neighbours per sample; the sampler draws from self + num_neighbors columns'),
    criterion: z.literal('scan'),
    criterion_kwargs: z.object({ entropy_weight: z.number().min(0).describe('w in consistency − w·entropy (5 in every reference config)') }).strict(),
    epochs: z.number().int().positive(),
    batch_size: z.number().int().min(2),
    optimizer: OptimizerNameSchema,
    optimizer_kwargs: OptimizerKwargsSchema,
    scheduler: SchedulerNameSchema,
    scheduler_kwargs: SchedulerKwargsSchema.default({}),
    update_cluster_head_only: z.boolean().default(false).describe('image mode: freeze the backbone; frozen-feature mode always trains heads only'),
    standardize_features: z
      .boolean()
      .default(true)
      .describe(
        'image mode: the heads see backbone features standardised per dimension with fixed statistics of the pretext backbone on train_db (twindb; false = the reference, heads on raw features)',
      ),
    head_warmup_epochs: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        'image mode: epochs of heads-only SCAN on the pretext backbone\'s fixed features (the ones standardize_features fits on) before the backbone trains, so it starts from a clustering instead of random heads (twindb; 0 = the reference)',
      ),
    augmentation_strategy: z.string().optional(),
    augmentation_kwargs: z.record(z.string(), z.unknown()).optional(),
    transformation_kwargs: z.record(z.string(), z.unknown()).optional(),
    seed: z.number().int().nonnegative().default(0),
    // Reference keys twindb does not read; accepted so reference configs load unchanged.
    num_workers: z.number().int().nonnegative().optional(),
    train_db_name: z.string().optional(),
    val_db_name: z.string().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDbSpec(c.train_db, ['train_db'], ctx);
    checkDbSpec(c.val_db, ['val_db'], ctx);
    checkOptimizerConfig(c, ctx);
  });

export type ScanConfigInput = z.input<typeof ScanConfigSchema>;
export type ScanConfig = z.output<typeof ScanConfigSchema>;

/** Validates a parsed YAML/JSON object; a UsageError (exit 2) lists every bad key by path. */
export function parseScanConfig(value: unknown, source = 'scan config'): ScanConfig {
  return parseConfigWith(ScanConfigSchema, value, source, 'SCAN config');
}

/** Reads and validates a SCAN YAML, naming the file in every error. */
export async function loadScanConfig(file: string): Promise<ScanConfig> {
  return parseScanConfig(await readYamlFile(file), path.resolve(file));
}

/** The config keys the weights depend on (not workers, names or val_db, which only selects). */
export function scanTrainingKeys(c: ScanConfig): Record<string, unknown> {
  const { num_workers: _w, train_db_name: _tn, val_db_name: _vn, val_db: _v, mode, ...rest } = c;
  // Frozen mode predates the key: leaving it out keeps earlier frozen checkpoints resumable.
  return mode === 'frozen' ? rest : { mode, ...rest };
}
