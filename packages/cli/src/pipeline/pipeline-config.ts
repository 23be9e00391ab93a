import path from 'node:path';
import { parseConfigWith, readYamlFile } from '@twindb/core-tensors';
import { checkDbSpec, DbSpecInputSchema } from '@twindb/core-tensors/data';
import { SampleOptionsSchema } from '@twindb/nn-sampler';
import { z } from 'zod';

/** The steps of `twindb pipeline`, in order. */
export const PIPELINE_STEPS = ['pretext', 'extract', 'sample', 'scan', 'selflabel', 'labels'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** STEP 1-2's options as a pipeline section: everything but the files, which the pipeline supplies. */
const SampleSection = SampleOptionsSchema.omit({ target: true, pool: true, out: true, targetDb: true, poolDb: true, overwrite: true }).strict();

/**
 * `configs/pipeline/<name>.yml`: the two DBs and each step's settings, for `twindb pipeline`.
 * Config paths inside are relative to this file.
 */
export const PipelineConfigSchema = z
  .object({
    pool_db: DbSpecInputSchema.describe('the large unlabelled pool ("near DB") the new training DB is drawn from'),
    target_db: DbSpecInputSchema.describe('the DB whose distribution the new DB must match (its labels, when present, are used only to report)'),
    pretext: z
      .object({
        config: z.string().min(1).describe('SimCLR YAML (configs/pretext/simclr_*.yml); its train_db becomes [pool_db, target_db]'),
        epochs: z.number().int().positive().optional().describe("overrides the config's epochs (a shorter schedule for a demo)"),
      })
      .strict(),
    sample: SampleSection.default(SampleSection.parse({})),
    scan: z.object({ config: z.string().min(1).describe('SCAN YAML; num_classes = the classes expected in the target') }).strict(),
    selflabel: z.object({ config: z.string().min(1).describe('self-label YAML') }).strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDbSpec(c.pool_db, ['pool_db'], ctx);
    checkDbSpec(c.target_db, ['target_db'], ctx);
  });

export type PipelineConfig = z.output<typeof PipelineConfigSchema>;

/** Reads and validates a pipeline YAML; step config paths come back absolute. */
export async function loadPipelineConfig(file: string): Promise<PipelineConfig> {
  const abs = path.resolve(file);
  const c = parseConfigWith(PipelineConfigSchema, await readYamlFile(abs), abs, 'pipeline config');
  const rel = (p: string) => path.resolve(path.dirname(abs), p);
  return { ...c, pretext: { ...c.pretext, config: rel(c.pretext.config) }, scan: { config: rel(c.scan.config) }, selflabel: { config: rel(c.selflabel.config) } };
}
