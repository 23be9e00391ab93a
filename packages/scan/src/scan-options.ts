import { formatZodIssues, UsageError } from '@twindb/core-tensors';
import { BackendChoiceSchema } from '@twindb/core-tensors/backend';
import { z } from 'zod';

/**
 * Options of {@link runScan}: the single source of truth for the CLI's flags. The mode comes from
 * the config (`mode: frozen | image`); frozen mode reads `features`, image mode `pretext` (and
 * `features` / `valFeatures`, when given, as the embeddings neighbours are mined on).
 * The training recipe itself lives in the SCAN YAML (`config`).
 */
export const ScanOptionsSchema = z
  .object({
    config: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .describe('SCAN YAML (configs/scan/*.yml), or the parsed config object'),
    features: z
      .string()
      .min(1)
      .optional()
      .describe('Arrow feature file of the DB being clustered (twindb extract output: id, path, label?, embedding); required in frozen mode, mining features in image mode'),
    pretext: z
      .string()
      .min(1)
      .optional()
      .describe('image mode: twindb pretext run folder (model.safetensors, config.json) whose backbone is fine-tuned and, without features, whose embeddings are mined'),
    valFeatures: z
      .string()
      .min(1)
      .optional()
      .describe('Feature file of the val DB: label-free head selection, and metrics when labelled (default: the features file itself)'),
    out: z.string().min(1).describe('Output folder: predictions, neighbours, model, checkpoint, logs (created if absent)'),
    resume: z.boolean().default(false).describe('Continue from out/checkpoint.safetensors (without it an existing checkpoint is an error)'),
    seed: z.number().int().nonnegative().optional().describe('Overrides the config seed'),
    untilEpoch: z.number().int().positive().optional().describe('Stop once this many epochs are done; resume later'),
    valNeighbors: z.number().int().positive().default(5).describe('Neighbours (+ self) mined on the val DB for head selection (as the reference)'),
    collapseThreshold: z.number().gt(0).max(1).default(0.9).describe('Warn when one cluster holds more than this share of the DB'),
    backend: BackendChoiceSchema.optional().describe('TensorFlow.js backend (default: keep the active one, else auto)'),
  })
  .strict();

export type ScanOptionsInput = z.input<typeof ScanOptionsSchema>;
export type ScanOptions = z.output<typeof ScanOptionsSchema>;

/** Validates options; problems are a UsageError (exit 2) naming each key. */
export function parseScanOptions(input: unknown): ScanOptions {
  const r = ScanOptionsSchema.safeParse(input);
  if (!r.success) throw new UsageError(`scan: invalid options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}
