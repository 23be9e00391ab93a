import { z } from 'zod';
import { formatZodIssues, byKeyPath } from '../../../errors/format-zod-issues.js';
import { UsageError } from '../../../errors/twindb-error.js';

/**
 * The augmentation parameters under the SCAN YAML keys (`augmentation_kwargs`,
 * `transformation_kwargs`), so a reference config's values carry over unchanged.
 */
const pair = z.tuple([z.number(), z.number()]);
export const NormalizeKwargs = z.object({ mean: z.array(z.number()).nonempty(), std: z.array(z.number().positive()).nonempty() });

export const SimclrKwargs = z.object({
  random_resized_crop: z.object({ size: z.number().int().positive(), scale: pair.default([0.2, 1]), ratio: pair.default([3 / 4, 4 / 3]) }),
  /** Not in the reference configs (always on there with p 0.5); 0 disables the flip. */
  random_horizontal_flip: z.object({ p: z.number().min(0).max(1) }).default({ p: 0.5 }),
  color_jitter_random_apply: z.object({ p: z.number().min(0).max(1) }),
  color_jitter: z.object({
    brightness: z.number().min(0),
    contrast: z.number().min(0),
    saturation: z.number().min(0),
    hue: z.number().min(0).max(0.5),
  }),
  random_grayscale: z.object({ p: z.number().min(0).max(1) }),
  normalize: NormalizeKwargs,
});

export const OursKwargs = z.object({
  crop_size: z.number().int().positive(),
  normalize: NormalizeKwargs,
  num_strong_augs: z.number().int().min(0),
  cutout_kwargs: z.object({ n_holes: z.number().int().min(0), length: z.number().int().positive(), random: z.boolean().default(true) }),
});

export const DigitsKwargs = z.object({
  random_resized_crop: z.object({ size: z.number().int().positive(), scale: pair.default([0.5, 1]), ratio: pair.default([3 / 4, 4 / 3]) }),
  rotation: z.object({ degrees: z.number().min(0) }).default({ degrees: 15 }),
  stroke_width: z.object({ p: z.number().min(0).max(1) }).default({ p: 0.8 }),
  normalize: NormalizeKwargs.default({ mean: [0.1307], std: [0.3081] }),
});

export const TransformationKwargs = z.object({ crop_size: z.number().int().positive(), normalize: NormalizeKwargs });

export type SimclrKwargs = z.output<typeof SimclrKwargs>;
export type SimclrKwargsInput = z.input<typeof SimclrKwargs>;
export type OursKwargs = z.output<typeof OursKwargs>;
export type OursKwargsInput = z.input<typeof OursKwargs>;
export type DigitsKwargs = z.output<typeof DigitsKwargs>;
export type DigitsKwargsInput = z.input<typeof DigitsKwargs>;
export type TransformationKwargs = z.output<typeof TransformationKwargs>;

export const AugmentationConfig = z.discriminatedUnion('augmentation_strategy', [
  z.object({ augmentation_strategy: z.literal('simclr'), augmentation_kwargs: SimclrKwargs }),
  z.object({ augmentation_strategy: z.literal('ours'), augmentation_kwargs: OursKwargs }),
  z.object({ augmentation_strategy: z.literal('digits'), augmentation_kwargs: DigitsKwargs }),
]);
export type AugmentationConfig = z.output<typeof AugmentationConfig>;

/** Validates kwargs, naming the offending key. */
export function parseKwargs<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new UsageError(`${what}: ${formatZodIssues(r.error.issues, byKeyPath)}`);
  }
  return r.data;
}
