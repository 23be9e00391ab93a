import path from 'node:path';
import { parseConfigWith, readYamlFile } from '@twindb/core-tensors';
import { checkDbSpec, DbSpecInputSchema } from '@twindb/core-tensors/data';
import { SampleOptionsSchema } from '@twindb/nn-sampler';
import { parseScanConfig } from '@twindb/scan';
import { parseSelflabelConfig } from '@twindb/selflabel';
import { z } from 'zod';

/** The steps of `twindb pipeline`, in order. */
export const PIPELINE_STEPS = ['pretext', 'extract', 'sample', 'scan', 'selflabel', 'labels'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** How the labelled new DB is laid out as image files (`newdb/images/<cluster>/…`, ImageFolder layout). */
export const MaterializeSchema = z.enum(['none', 'copy', 'link']);

/**
 * What `twindb pipeline` (and {@link runPipeline}) takes: the single source of truth for its flags
 * (cli/src/options/schema-flags.ts generates them) and for the library's options.
 */
export const PipelineOptionsSchema = z
  .object({
    config: z.string().min(1).describe("pipeline YAML (configs/pipeline/<name>.yml): pool_db, target_db and each step's config"),
    out: z.string().min(1).optional().describe('run folder, one sub-folder per step (default: runs/<config name>)'),
    from: z
      .enum(PIPELINE_STEPS)
      .optional()
      .describe(
        'run again from this step on: its outputs and those of every later step are removed first (only files twindb wrote there), the steps before it must be complete and are not run',
      ),
    until: z.enum(PIPELINE_STEPS).optional().describe('stop after this step (its outputs complete; a later call continues)'),
    materialize: MaterializeSchema.optional().describe(
      "write the labelled new DB as images: newdb/images/<cluster>/<path in the pool DB> (copy or symbolic link; PNG named by id for DBs without files); overrides the YAML's materialize",
    ),
  })
  .strict();

/** Options of {@link runPipeline}: the command's, with the run folder given. */
export type RunPipelineOptions = z.input<typeof PipelineOptionsSchema> & { out: string };

/** STEP 1-2's options as a pipeline section: everything but the files, which the pipeline supplies (and `materialize`, which is the pipeline's own). */
const SampleSection = SampleOptionsSchema.omit({ target: true, pool: true, out: true, targetDb: true, poolDb: true, overwrite: true, materialize: true }).strict();

/** A step's recipe: a YAML file (relative to the pipeline YAML), or the config itself written inline. */
const StepConfig = (what: string) =>
  z
    .union([z.string().min(1), z.record(z.string(), z.unknown())])
    .describe(`${what} YAML (a path relative to this file), or the config written inline as a mapping (train_db / val_db default to pool_db / target_db)`);

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
    scan: z.object({ config: StepConfig('SCAN').describe('SCAN config; num_classes = the classes expected in the target') }).strict(),
    selflabel: z.object({ config: StepConfig('self-label') }).strict(),
    materialize: MaterializeSchema.default('none').describe('the labelled new DB as image files under newdb/images/<cluster>/ (copy or link); --materialize overrides it'),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDbSpec(c.pool_db, ['pool_db'], ctx);
    checkDbSpec(c.target_db, ['target_db'], ctx);
    // Inline step configs are checked here, each problem under its key path in this file.
    const inline = (key: 'scan' | 'selflabel', parse: (v: unknown) => unknown) => {
      const v = c[key].config;
      if (typeof v === 'string') return;
      try {
        parse(withDbs(v, c));
      } catch (err) {
        for (const line of (err as Error).message.split('\n').slice(1)) {
          const m = /^\s*(\S+): (.*)$/.exec(line);
          ctx.addIssue({ code: 'custom', path: [key, 'config', ...(m ? m[1].split('.') : [])], message: m ? m[2] : line.trim() });
        }
      }
    };
    inline('scan', (v) => parseScanConfig(v));
    inline('selflabel', (v) => parseSelflabelConfig(v));
  });

/** An inline step config with the pipeline's DBs where it names none (frozen mode reads the pipeline's features anyway). */
function withDbs(v: Record<string, unknown>, c: { pool_db: unknown; target_db: unknown }): Record<string, unknown> {
  return { train_db: c.pool_db, val_db: c.target_db, ...v };
}

export type PipelineConfig = z.output<typeof PipelineConfigSchema>;

/** Reads and validates a pipeline YAML; step config paths come back absolute. */
export async function loadPipelineConfig(file: string): Promise<PipelineConfig> {
  const abs = path.resolve(file);
  const c = parseConfigWith(PipelineConfigSchema, await readYamlFile(abs), abs, 'pipeline config');
  const rel = (p: string) => path.resolve(path.dirname(abs), p);
  const step = (v: string | Record<string, unknown>) => (typeof v === 'string' ? rel(v) : withDbs(v, c));
  return { ...c, pretext: { ...c.pretext, config: rel(c.pretext.config) }, scan: { config: step(c.scan.config) }, selflabel: { config: step(c.selflabel.config) } };
}

/** The config files a pipeline reads (its YAML and the step YAMLs it names), for the output-folder checks. */
export function pipelineInputFiles(file: string, c: PipelineConfig): string[] {
  return [file, c.pretext.config, c.scan.config, c.selflabel.config].filter((f): f is string => typeof f === 'string');
}
