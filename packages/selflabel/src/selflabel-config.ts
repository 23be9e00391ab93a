import path from 'node:path';
import { checkOptimizerConfig, OptimizerKwargsSchema, OptimizerNameSchema, SchedulerKwargsSchema, SchedulerNameSchema } from '@twindb/core-tensors/nn';
import { parseConfigWith, readYamlFile } from '@twindb/core-tensors';
import { checkDbSpec, DbSpecInputSchema } from '@twindb/core-tensors/data';
import { z } from 'zod';

/**
 * The self-label YAML (`configs/selflabel/*.yml`) with the reference's keys (spec §1.2–1.3), plus
 * twindb's `train_db`/`val_db`, `seed`, and two frozen-feature-mode keys: `min_confident_per_cluster`
 * (the guard against a cluster being absorbed) and `feature_noise` (the "strong" view). Unknown keys
 * are rejected.
 */
export const SelflabelConfigSchema = z
  .object({
    setup: z.literal('selflabel'),
    mode: z
      .enum(['frozen', 'image'])
      .default('frozen')
      .describe("frozen (default): SCAN's head on stored features; image: SCAN's backbone + head fine-tuned on weak/strong views of the images"),
    backbone: z.string().min(1),
    model_kwargs: z.record(z.string(), z.unknown()).optional(),
    train_db: DbSpecInputSchema,
    val_db: DbSpecInputSchema.optional(),
    num_classes: z.number().int().min(2),
    num_heads: z.literal(1).default(1).describe('must be 1 (the reference asserts it)'),
    criterion: z.literal('confidence-cross-entropy'),
    criterion_kwargs: z.object({ apply_class_balancing: z.boolean().describe('weights n/n_c over the masked pseudo-labels') }).strict(),
    confidence_threshold: z.number().gt(0).lt(1).describe('strict threshold on the weak-view max softmax (0.99 in every reference config)'),
    use_ema: z.boolean().default(false),
    ema_alpha: z.number().gt(0).lt(1).optional().describe('EMA decay, reference semantics (the shadow is copied into the live head after every step)'),
    update_cluster_head_only: z.boolean().default(false),
    epochs: z.number().int().positive(),
    batch_size: z.number().int().min(1),
    optimizer: OptimizerNameSchema,
    optimizer_kwargs: OptimizerKwargsSchema,
    scheduler: SchedulerNameSchema,
    scheduler_kwargs: SchedulerKwargsSchema.default({}),
    augmentation_strategy: z.string().optional(),
    augmentation_kwargs: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('image mode: the strong view; with strategy digits, cutout_kwargs {n_holes, length} adds Cutout'),
    transformation_kwargs: z.record(z.string(), z.unknown()).optional(),
    seed: z.number().int().nonnegative().default(0),
    min_confident_per_cluster: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('twindb guard: per batch, a cluster with fewer confident rows trains on its this-many most confident rows (0 = off, as the reference)'),
    feature_noise: z
      .number()
      .min(0)
      .default(0)
      .describe('frozen mode: std of Gaussian noise added to the standardised feature for the "strong" view (0 = strong view = weak view)'),
    num_workers: z.number().int().nonnegative().optional(),
    train_db_name: z.string().optional(),
    val_db_name: z.string().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDbSpec(c.train_db, ['train_db'], ctx);
    checkDbSpec(c.val_db, ['val_db'], ctx);
    checkOptimizerConfig(c, ctx);
    if (c.use_ema && c.ema_alpha === undefined) ctx.addIssue({ code: 'custom', path: ['ema_alpha'], message: 'missing (required by use_ema: true)' });
  });

export type SelflabelConfigInput = z.input<typeof SelflabelConfigSchema>;
export type SelflabelConfig = z.output<typeof SelflabelConfigSchema>;

export function parseSelflabelConfig(value: unknown, source = 'selflabel config'): SelflabelConfig {
  return parseConfigWith(SelflabelConfigSchema, value, source, 'self-label config');
}

export async function loadSelflabelConfig(file: string): Promise<SelflabelConfig> {
  return parseSelflabelConfig(await readYamlFile(file), path.resolve(file));
}
