import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { claimRunFolder, logRemovedTemps, recordRunFiles, stepContext, UsageError, type StepContext } from '@twindb/core-tensors';
import { dbSpecRoot, formatDbSpec, parseDbSpec } from '@twindb/core-tensors/data';
import { runExtract } from '@twindb/feature-extract';
import { runSample, type SampleReport } from '@twindb/nn-sampler';
import { loadPretextConfig, trainSimclr } from '@twindb/pretext';
import { runScan } from '@twindb/scan';
import { runSelflabel, type SelflabelSummary } from '@twindb/selflabel';
import { loadPipelineConfig, pipelineInputFiles, PIPELINE_STEPS, type PipelineConfig, type PipelineStep, type RunPipelineOptions } from './pipeline-config.js';
import { incompleteStep, pipelinePaths, prepareFrom, readSummary, stepRange, type PipelinePaths } from './pipeline-steps.js';
import { materializeLabels, type MaterializeSummary } from './materialize-labels.js';
import { writeLabels, type LabelsSummary } from './write-labels.js';
import { writePrototypes } from '../commands/prototypes.js';
import { writePipelineReport } from '../commands/report.js';

export type { RunPipelineOptions };
export { pipelinePaths };

export interface StepTiming {
  step: PipelineStep;
  seconds: number;
  /** True when the step's outputs were complete already and nothing ran. */
  skipped: boolean;
}

/** What `twindb pipeline --json` prints. */
export interface PipelineSummary {
  out: string;
  steps: StepTiming[];
  seconds: number;
  /** STEP 1-2's evidence of match. */
  sample?: { sizes: SampleReport['sizes']; coverage: SampleReport['coverage']; classes: NonNullable<SampleReport['match']>['classes'] | null };
  /** STEP 3's labels of the new DB, scored against ground truth the pipeline never trained on. */
  labels?: LabelsSummary & { kept: SelflabelSummary['kept']; keptReason: string; materialized?: MaterializeSummary };
  /** `<out>/report.html` (twindb report), when it was written. */
  report?: string;
}

/** What `twindb pipeline` writes into its run folder: one sub-folder per step (each its step's own). */
export const PIPELINE_RUN_FILES: readonly string[] = ['pretext/', 'features/', 'newdb/', 'scan/', 'selflabel/', 'report.html'];

/**
 * The whole mission in one call: SimCLR on pool + target (STEP 1) → embeddings of both (1-1) → the
 * new training DB (1-2) → SCAN (2) → self-labelling (3) → `newdb/labels.{csv,arrow}`. Every step
 * writes into its own sub-folder of `out`; a step whose outputs are complete is skipped and an
 * interrupted one resumes (checkpoints every epoch), so a rerun after Ctrl-C or a kill continues.
 */
export async function runPipeline(o: RunPipelineOptions, context: Partial<StepContext> = {}): Promise<PipelineSummary> {
  const ctx = stepContext(context);
  const config = await loadPipelineConfig(o.config);
  const p = pipelinePaths(path.resolve(o.out));
  // Before any compute: a new or empty folder, or a pipeline run folder (.twindb-run.json); anything else is refused.
  const claimed = await claimRunFolder(o.out, {
    command: 'pipeline',
    files: PIPELINE_RUN_FILES,
    legacyMarker: 'pretext/pretext.log.jsonl',
    inputs: pipelineInputFiles(o.config, config),
    dbs: [dbSpecRoot(config.pool_db), dbSpecRoot(config.target_db)],
  });
  if (claimed.adopted) ctx.log(`${claimed.out}: a run folder of an earlier twindb, now listed in its .twindb-run.json`);
  logRemovedTemps(claimed.removedTemps, ctx.log);
  const { first, last } = stepRange(o.from, o.until);
  if (o.from) await prepareFrom(o.from, config, p, ctx);
  const t0 = performance.now();
  const steps: StepTiming[] = [];
  const summary: PipelineSummary = { out: path.resolve(o.out), steps, seconds: 0 };
  const timed = async <T>(step: PipelineStep, work: () => Promise<{ value: T; skipped: boolean }>): Promise<T> => {
    const t = performance.now();
    ctx.log(`— ${step}`);
    const { value, skipped } = await work();
    steps.push({ step, seconds: Math.round((performance.now() - t) / 100) / 10, skipped });
    ctx.signal?.throwIfAborted();
    return value;
  };
  const done = () => PIPELINE_STEPS.indexOf(steps[steps.length - 1].step) >= last;
  const finish = () => ({ ...summary, seconds: Math.round((performance.now() - t0) / 100) / 10 });

  await timed('pretext', () => pretext(config, p, ctx));
  if (done()) return finish();
  await timed('extract', async () => {
    // Before --from: complete (prepareFrom checked it) and kept as it is; from it on: extracted again.
    if (first > PIPELINE_STEPS.indexOf('extract')) return { value: undefined, skipped: true };
    const encoder = p.encoder;
    const force = o.from !== undefined;
    const pool = await runExtract({ encoder, db: formatDbSpec(parseDbSpec(config.pool_db)), out: p.pool, runDir: p.features, force }, ctx);
    const target = await runExtract({ encoder, db: formatDbSpec(parseDbSpec(config.target_db)), out: p.target, runDir: p.features, force }, ctx);
    return { value: undefined, skipped: pool.skipped && target.skipped };
  });
  if (done()) return finish();
  const report = await timed('sample', async () => {
    const reportFile = path.join(p.newdb, 'report.json');
    if (existsSync(reportFile)) return { value: JSON.parse(readFileSync(reportFile, 'utf8')) as SampleReport, skipped: true };
    const r = await runSample({ ...config.sample, target: p.target, pool: [p.pool], out: p.newdb }, ctx);
    return { value: r.report, skipped: false };
  });
  summary.sample = { sizes: report.sizes, coverage: report.coverage, classes: report.match?.classes ?? null };
  if (done()) return finish();
  const selected = path.join(p.newdb, 'selected.arrow');
  if (!existsSync(selected)) throw new UsageError(`${p.newdb}: no item was selected (see report.json's coverage), nothing to label`);
  await timed('scan', async () => {
    const complete = readSummary(path.join(p.scan, 'scan.summary.json'))?.complete === true;
    if (!complete) await runScan({ config: config.scan.config, features: selected, valFeatures: p.target, out: p.scan, resume: true }, ctx);
    return { value: undefined, skipped: complete };
  });
  if (done()) return finish();
  const sl = await timed('selflabel', async () => {
    const file = path.join(p.selflabel, 'selflabel.summary.json');
    const prior = readSummary(file) as SelflabelSummary | undefined;
    if (prior?.complete === true) return { value: prior, skipped: true };
    const r = await runSelflabel({ config: config.selflabel.config, scan: p.scan, features: selected, valFeatures: p.target, out: p.selflabel, resume: true }, ctx);
    return { value: r.summary, skipped: false };
  });
  if (done()) return finish();
  // The labels sit beside the new DB: listed in its manifest, so that they count as twindb's there.
  await recordRunFiles(p.newdb, ['labels.csv', 'labels.arrow']);
  const materialize = o.materialize ?? config.materialize;
  const labels = await timed('labels', async () => {
    const value = await writeLabels({ selected, target: p.target, predictions: path.join(p.selflabel, 'predictions.arrow'), valPredictions: path.join(p.selflabel, 'predictions-val.arrow'), out: p.newdb });
    const materialized = materialize === 'none' ? undefined : await materializeLabels({ newdb: p.newdb, how: materialize, poolDb: config.pool_db }, ctx);
    return { value: { ...value, ...(materialized ? { materialized } : {}) }, skipped: false };
  });
  summary.labels = { ...labels, kept: sl.kept, keptReason: sl.keptReason };
  await writePrototypes(p.selflabel, config.pool_db, sl.clusterSizes.length, ctx);
  summary.report = await writePipelineReport(o.out, ctx);
  return finish();
}

/** STEP 1 on pool + target; skipped when the run folder holds the finished encoder of this config. */
async function pretext(config: PipelineConfig, p: PipelinePaths, ctx: StepContext): Promise<{ value: undefined; skipped: boolean }> {
  const { config: base } = await loadPretextConfig(config.pretext.config);
  const c = {
    ...base,
    epochs: config.pretext.epochs ?? base.epochs,
    train_db: [parseDbSpec(config.pool_db), parseDbSpec(config.target_db)],
    // kNN monitoring would score the target against a bank that contains it: off in the pipeline.
    val_db: undefined,
  };
  if ((await incompleteStep('pretext', config, p)) === null) {
    ctx.log(`pretext: ${p.encoder} is complete (${c.epochs} epochs); skipped`);
    return { value: undefined, skipped: true };
  }
  // resume: a rerun continues the checkpoint, and refuses one written under another config.
  await trainSimclr({ config: c, runDir: p.pretext, resume: true, log: ctx.log, progress: ctx.progress, signal: ctx.signal });
  return { value: undefined, skipped: false };
}
