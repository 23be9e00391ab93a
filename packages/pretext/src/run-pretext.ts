import path from 'node:path';
import { formatZodIssues, stepContext, UsageError, type StepContext } from '@twindb/core-tensors';
import { BackendChoiceSchema } from '@twindb/core-tensors/backend';
import { formatDbSpec } from '@twindb/core-tensors/data';
import { z } from 'zod';
import type { KnnReport } from './knn/knn-monitor.js';
import { loadPretextConfig, type PretextConfig } from './pretext-config.js';
import { trainSimclr, type TrainSimclrResult } from './train-simclr.js';

/** Options of {@link runPretext} and of `twindb pretext`: the single source of truth for its flags. */
export const PretextOptionsSchema = z.object({
  configExp: z.string().min(1).describe('experiment config (configs/pretext/simclr_*.yml)'),
  configEnv: z.string().min(1).optional().describe('env config with root_dir; the run goes to <root_dir>/<train_db>/pretext unless out is given'),
  out: z.string().min(1).optional().describe('run folder (checkpoint.safetensors, model.safetensors, encoder.onnx, train-log.jsonl); default runs/pretext/<config name>'),
  resume: z.boolean().default(false).describe("continue the run folder's checkpoint (the config must not have changed)"),
  evaluateUntrained: z.boolean().default(false).describe('also measure kNN accuracy of the untrained network (the baseline)'),
  backend: BackendChoiceSchema.optional().describe('TensorFlow.js backend (default: keep the active one, or the fastest that loads)'),
});
export type PretextOptionsInput = z.input<typeof PretextOptionsSchema>;

/** What `twindb pretext --json` prints. */
export interface PretextSummary {
  runDir: string;
  epochs: number;
  epochsCompleted: number;
  startEpoch: number;
  finalLoss?: number;
  knn?: KnnSummary;
  untrainedKnn?: KnnSummary;
  checkpoint: string;
  model?: string;
  onnx?: string;
  backend: string;
  trainImages: number;
}

interface KnnSummary {
  k: number;
  head: { weighted: number; majority: number };
  backbone: { weighted: number; majority: number };
}

/** STEP 1: SimCLR on the config's train_db, checkpointed every epoch; returns the training result and its summary. */
export async function runPretext(input: PretextOptionsInput, context: Partial<StepContext> = {}): Promise<{ result: TrainSimclrResult; summary: PretextSummary }> {
  const parsed = PretextOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(`pretext: invalid options: ${formatZodIssues(parsed.error.issues)}`);
  const o = parsed.data;
  const ctx = stepContext(context);
  const { config, env, expPath } = await loadPretextConfig(o.configExp, o.configEnv);
  const runDir = o.out ?? defaultRunDir(expPath, config.train_db, env?.root_dir);
  const result = await trainSimclr({ config, runDir, resume: o.resume, backend: o.backend, evaluateUntrained: o.evaluateUntrained, log: ctx.log, progress: ctx.progress, signal: ctx.signal, inputs: [o.configExp, o.configEnv] });
  const knn = (k?: KnnReport): KnnSummary | undefined =>
    k && { k: k.head.k, head: { weighted: k.head.weighted, majority: k.head.majority }, backbone: { weighted: k.backbone.weighted, majority: k.backbone.majority } };
  const summary: PretextSummary = {
    runDir: result.runDir,
    epochs: result.epochs,
    epochsCompleted: result.epochsCompleted,
    startEpoch: result.startEpoch,
    finalLoss: result.finalLoss,
    knn: knn(result.knn),
    untrainedKnn: knn(result.untrained),
    checkpoint: result.checkpointPath,
    model: result.modelPath,
    onnx: result.onnxPath,
    backend: result.backend,
    trainImages: result.trainImages,
  };
  return { result, summary };
}

/**
 * The run folder `runPretext` writes when no `out` is given, for these config files (read and
 * checked, naming the file in any error): with an env config, the reference's
 * `<root_dir>/<train_db>/pretext`, else `runs/pretext/<config name>`. Other steps use it to find
 * the pretext run of a seed command that names only the configs (`extract --config_exp`).
 */
export async function pretextRunDir(configExp: string, configEnv?: string): Promise<string> {
  const { config, env, expPath } = await loadPretextConfig(configExp, configEnv);
  return defaultRunDir(expPath, config.train_db, env?.root_dir);
}

/** The reference's `<root_dir>/<train_db_name>/pretext`, else `runs/pretext/<config name>`. */
function defaultRunDir(expPath: string, trainDbs: PretextConfig['train_db'], rootDir?: string): string {
  if (rootDir) return path.join(rootDir, trainDbs.map((d) => formatDbSpec(d)).join('+').replace(/[^A-Za-z0-9._=-]+/g, '_'), 'pretext');
  return path.join('runs', 'pretext', path.basename(expPath).replace(/\.ya?ml$/i, ''));
}
