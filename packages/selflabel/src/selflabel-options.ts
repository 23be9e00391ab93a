import { formatZodIssues, UsageError } from '@twindb/core-tensors';
import { BackendChoiceSchema } from '@twindb/core-tensors/backend';
import { z } from 'zod';

/** Options of {@link runSelflabel}; the recipe, and the mode (`mode: frozen | image`), live in the YAML (`config`). */
export const SelflabelOptionsSchema = z
  .object({
    config: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).describe('Self-label YAML (configs/selflabel/*.yml), or the parsed config object'),
    scan: z.string().min(1).describe('SCAN output folder (its model.safetensors: best head + standardisation, or backbone + head in image mode), or that file'),
    features: z.string().min(1).optional().describe('Arrow feature file of the DB being labelled (the one SCAN clustered); frozen mode only (image mode reads the images)'),
    valFeatures: z.string().min(1).optional().describe('Feature file of the val DB: label-free comparison with SCAN, and metrics when labelled (default: the features file)'),
    out: z.string().min(1).describe('Output folder: predictions, model, checkpoint, logs (created if absent)'),
    resume: z.boolean().default(false).describe('Continue from out/checkpoint.safetensors (without it an existing checkpoint is an error)'),
    seed: z.number().int().nonnegative().optional().describe('Overrides the config seed'),
    untilEpoch: z.number().int().positive().optional().describe('Stop once this many epochs are done'),
    valNeighbors: z.number().int().positive().default(5).describe('Val neighbours (+ self) for the label-free SCAN criterion'),
    keep: z
      .enum(['better', 'selflabel'])
      .default('better')
      .describe('better (default): keep the self-label head unless it lowers the label-free criterion (neighbour agreement over all val rows: share of (row, neighbour) pairs predicted in one cluster) below the SCAN head\'s; selflabel: always keep it (the reference)'),
    collapseThreshold: z.number().gt(0).max(1).default(0.9).describe('Warn when one cluster holds more than this share of the DB'),
    backend: BackendChoiceSchema.optional().describe('TensorFlow.js backend (default: keep the active one, else auto)'),
  })
  .strict();

export type SelflabelOptionsInput = z.input<typeof SelflabelOptionsSchema>;
export type SelflabelOptions = z.output<typeof SelflabelOptionsSchema>;

export function parseSelflabelOptions(input: unknown): SelflabelOptions {
  const r = SelflabelOptionsSchema.safeParse(input);
  if (!r.success) throw new UsageError(`selflabel: invalid options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}
