import path from 'node:path';
import { AugmentationConfig, checkDbSpec, DbSpecInputSchema, type DbSpec, parseDbSpec, TransformationKwargs } from '@twindb/core-tensors/data';
import { parseConfigWith, readYamlFile } from '@twindb/core-tensors';
import { z } from 'zod';
import { checkOptimizerConfig, OptimizerKwargsSchema, OptimizerNameSchema, RESNET18_STL_IMAGE_SIZE, SchedulerKwargsSchema, SchedulerNameSchema, type ResNet18Variant } from '@twindb/core-tensors/nn';

/** A DB given as a spec string (`mnist:pool`) or the equivalent object; validated by parseDbSpec. */
const DbSpecInput = DbSpecInputSchema;

/**
 * The SCAN-style pretext YAML (`configs/pretext/simclr_*.yml`), with the reference's key names and
 * meanings (scan-reference-spec §1.2), plus twindb's additions: `train_db` (one DB or a list whose
 * union is trained on, e.g. pool + target), `val_db` (labelled, kNN monitoring), `seed`, `knn`,
 * `image_size` and `model_kwargs.in_channels`. Unknown keys are rejected so that a typo
 * (`optimiser:`) does not silently fall back to a default.
 */
export const PretextConfigSchema = z
  .object({
    setup: z.literal('simclr'),
    // resnet50 last, so that the order of the long-standing names in error messages stays as it was.
    backbone: z.enum(['resnet18', 'small-cnn', 'resnet50']),
    model_kwargs: z
      .object({
        head: z.enum(['mlp', 'linear']).default('mlp'),
        features_dim: z.number().int().positive().default(128),
        /** Image channels the backbone takes (default 1 for small-cnn, 3 for resnet18); sources are converted to it. */
        in_channels: z.union([z.literal(1), z.literal(3)]).optional(),
        /** resnet18 only: the reference's CIFAR or STL network; default stl when every train_db is stl10:, else cifar. */
        variant: z.enum(['cifar', 'stl']).optional(),
      })
      .strict()
      .default({ head: 'mlp', features_dim: 128 }),
    train_db: z.union([DbSpecInput, z.array(DbSpecInput).nonempty()]),
    val_db: DbSpecInput.optional(),
    criterion: z.literal('simclr'),
    criterion_kwargs: z.object({ temperature: z.number().positive() }).strict(),
    epochs: z.number().int().positive(),
    optimizer: OptimizerNameSchema,
    optimizer_kwargs: OptimizerKwargsSchema,
    scheduler: SchedulerNameSchema,
    scheduler_kwargs: SchedulerKwargsSchema.default({}),
    batch_size: z.number().int().min(2),
    grad_cache_chunk: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        'Views per chunk for gradient caching (default absent = 0: all 2·batch_size views in one forward and backward pass). ' +
          'When set, an even number of views dividing 2·batch_size: each chunk holds both views of its samples and batch-norm ' +
          'normalises per chunk; the heap then holds one chunk\'s activations, so any batch_size trains within wasm\'s 4 GB.',
      ),
    num_workers: z.number().int().positive().optional(),
    augmentation_strategy: z.enum(['simclr', 'ours', 'digits']),
    augmentation_kwargs: z.record(z.string(), z.unknown()),
    transformation_kwargs: TransformationKwargs,
    /** Resize every decoded image to this square size (crop fit) before augmenting; for folders of mixed sizes. */
    image_size: z.number().int().positive().optional(),
    seed: z.number().int().nonnegative().default(0),
    knn: z
      .object({
        /** Evaluate after every `every` epochs (0 = never); the last epoch is always evaluated. */
        every: z.number().int().nonnegative().default(1),
        k: z.number().int().positive().default(20),
      })
      .strict()
      .default({ every: 1, k: 20 }),
    // Reference keys that twindb reads from elsewhere; accepted so reference configs load unchanged.
    num_classes: z.number().int().positive().optional(),
    train_db_name: z.string().optional(),
    val_db_name: z.string().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const aug = AugmentationConfig.safeParse({
      augmentation_strategy: c.augmentation_strategy,
      augmentation_kwargs: c.augmentation_kwargs,
    });
    if (!aug.success) {
      for (const issue of aug.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
    const dbs = Array.isArray(c.train_db) ? c.train_db : [c.train_db];
    dbs.forEach((db, i) => checkDbSpec(db, Array.isArray(c.train_db) ? ['train_db', i] : ['train_db'], ctx));
    if (c.model_kwargs.variant !== undefined && c.backbone !== 'resnet18') {
      ctx.addIssue({
        code: 'custom',
        path: ['model_kwargs', 'variant'],
        message: `only backbone resnet18 has variants (cifar, stl); backbone is "${c.backbone}"`,
      });
    }
    if (c.backbone === 'resnet18' && resolvedVariant(c.model_kwargs.variant, dbs) === 'stl') {
      checkStlImageSize(aug.success ? aug.data : undefined, c.transformation_kwargs.crop_size, ctx);
    }
    if (c.val_db !== undefined) checkDbSpec(c.val_db, ['val_db'], ctx);
    checkGradCacheChunk(c.grad_cache_chunk, c.batch_size, ctx);
    checkOptimizerConfig(c, ctx);
  });


/** The reference picks the ResNet-18 by train_db_name; twindb by the train DBs: stl when all are STL-10. */
function resolvedVariant(given: ResNet18Variant | undefined, trainDbs: unknown[]): ResNet18Variant {
  if (given !== undefined) return given;
  const allStl = trainDbs.every((db) => {
    try {
      return parseDbSpec(db).source === 'stl10';
    } catch {
      return false;
    }
  });
  return allStl ? 'stl' : 'cifar';
}

/** Chunks are whole pairs of views (both views of a sample in one chunk) and split the batch evenly. */
function checkGradCacheChunk(chunk: number | undefined, batchSize: number, ctx: z.RefinementCtx): void {
  if (chunk === undefined || chunk === 0) return;
  if (chunk % 2 !== 0 || (2 * batchSize) % chunk !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['grad_cache_chunk'],
      message: `expected an even number of views dividing 2·batch_size = ${2 * batchSize} (each chunk holds both views of its samples), got ${chunk}`,
    });
  }
}

/** The STL ResNet-18's fixed 7×7 pool takes only 96×96 images: say so at load time, not at the first batch. */
function checkStlImageSize(aug: AugmentationConfig | undefined, valCrop: number, ctx: z.RefinementCtx): void {
  const expected = RESNET18_STL_IMAGE_SIZE;
  const why = `the STL ResNet-18 (model_kwargs.variant stl) takes ${expected}×${expected} images only`;
  if (aug !== undefined) {
    const [key, size] =
      aug.augmentation_strategy === 'ours'
        ? [['augmentation_kwargs', 'crop_size'], aug.augmentation_kwargs.crop_size]
        : [['augmentation_kwargs', 'random_resized_crop', 'size'], aug.augmentation_kwargs.random_resized_crop.size];
    if (size !== expected) ctx.addIssue({ code: 'custom', path: key, message: `expected ${expected}, got ${size}: ${why}` });
  }
  if (valCrop !== expected) {
    ctx.addIssue({ code: 'custom', path: ['transformation_kwargs', 'crop_size'], message: `expected ${expected}, got ${valCrop}: ${why}` });
  }
}

type RawConfig = z.output<typeof PretextConfigSchema>;

/** A validated pretext config with its DB specs parsed. */
export type PretextConfig = Omit<RawConfig, 'train_db' | 'val_db'> & {
  train_db: DbSpec[];
  val_db?: DbSpec;
};

/**
 * Validates a parsed YAML/JSON object. Every problem is reported at once, each with its key path
 * and what was expected (zod lists the allowed values of enums and discriminators).
 */
export function parsePretextConfig(value: unknown, source = 'pretext config'): PretextConfig {
  const c = parseConfigWith(PretextConfigSchema, value, source, 'pretext config');
  const trainDbs = Array.isArray(c.train_db) ? c.train_db : [c.train_db];
  // The resolved variant is written into the config, so it is part of the checkpoint identity.
  const model_kwargs = c.backbone === 'resnet18' ? { ...c.model_kwargs, variant: resolvedVariant(c.model_kwargs.variant, trainDbs) } : c.model_kwargs;
  return {
    ...c,
    model_kwargs,
    train_db: trainDbs.map((d) => parseDbSpec(d)),
    val_db: c.val_db === undefined ? undefined : parseDbSpec(c.val_db),
  };
}


/** The env YAML of the reference (`root_dir: …`), where run folders go by default. */
export const EnvConfigSchema = z.object({ root_dir: z.string().min(1) }).passthrough();
export type EnvConfig = z.output<typeof EnvConfigSchema>;

export interface LoadedPretextConfig {
  config: PretextConfig;
  env?: EnvConfig;
  /** Absolute path of the experiment YAML. */
  expPath: string;
}

/** Reads and validates the experiment YAML (and the optional env YAML), naming the file in every error. */
export async function loadPretextConfig(expPath: string, envPath?: string): Promise<LoadedPretextConfig> {
  const absExp = path.resolve(expPath);
  const config = parsePretextConfig(await readYamlFile(absExp), absExp);
  let env: EnvConfig | undefined;
  if (envPath !== undefined) {
    const absEnv = path.resolve(envPath);
    env = parseConfigWith(EnvConfigSchema, await readYamlFile(absEnv), absEnv, 'env config');
  }
  return { config, env, expPath: absExp };
}
