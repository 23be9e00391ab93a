import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { claimRunFolder, identityHash, logRemovedTemps, Rng, RunLog, UsageError, writeFileAtomic, type StepContext } from '@twindb/core-tensors';
import { type BackendChoice, initBackend } from '@twindb/core-tensors/backend';
import { AugmentedDataset, dbSpecRoot, openImageSource, trainTransform, type ImageFormat } from '@twindb/core-tensors/data';
import { createBackbone, createOptimizer, defaultInChannels, learningRateAt, lrScheduleOf, saveTrainingCheckpoint } from '@twindb/core-tensors/nn';
import { trainingIdentity } from './config-identity.js';
import { ContrastiveModel } from './contrastive-model.js';
import { unionSources } from './data/union-source.js';
import { formatKnn, openMonitor, type KnnReport } from './knn/knn-monitor.js';
import { NonFiniteLossError } from './non-finite-loss-error.js';
import type { PretextConfig } from './pretext-config.js';
import { exportRun } from './training/export-run.js';
import { resumeRun } from './training/resume-run.js';
import { trainEpoch } from './training/train-epoch.js';

/** File names inside a run folder. */
export const RUN_FILES = {
  checkpoint: 'checkpoint.safetensors',
  model: 'model.safetensors',
  trainLog: 'train-log.jsonl',
  config: 'config.json',
  onnx: 'encoder.onnx',
} as const;

/** Every file a pretext run writes into its folder, as its `.twindb-run.json` lists them. */
export const PRETEXT_RUN_FILES: readonly string[] = [...Object.values(RUN_FILES), 'pretext.log.jsonl', 'pretext.summary.json'];

export interface TrainSimclrOptions {
  /** A validated config (parsePretextConfig / loadPretextConfig). */
  config: PretextConfig;
  /** Run folder for checkpoint, final weights and logs (created if absent). */
  runDir: string;
  /**
   * Continue from the run folder's checkpoint (default false). Without it an existing checkpoint is
   * an error rather than silently overwritten; with it and no checkpoint, training starts fresh.
   */
  resume?: boolean;
  /** Backend to initialise; default: keep the active one, or pick the fastest when none is active. */
  backend?: BackendChoice;
  /** Also measure kNN accuracy of the untrained network (logged as epoch 0), the baseline to beat. */
  evaluateUntrained?: boolean;
  /** Stop once this many epochs are complete (default: config.epochs); the schedule still spans config.epochs. */
  untilEpoch?: number;
  /** Progress and status lines (default: stderr). */
  log?: (line: string) => void;
  /** Minimum ms between progress lines through `log` (default: Progress's); overrides `progress`. */
  progressIntervalMs?: number;
  /** Progress of the epochs (a StepContext's: a bar on a terminal); default: lines through `log`. */
  progress?: StepContext['progress'];
  /** Stops training at the next step (the last epoch's checkpoint stays). */
  signal?: AbortSignal;
  /** Files this run reads besides the config's DBs (the config files): none may lie in the run folder. */
  inputs?: readonly (string | undefined)[];
}

/** One line of `train-log.jsonl`. */
export interface EpochRecord {
  /** Epochs completed (1-based). */
  epoch: number;
  lr: number;
  /** Mean loss over the epoch's steps. */
  loss: number;
  steps: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  /** Live tensors after the epoch; constant from epoch to epoch unless memory leaks. */
  numTensors: number;
  knn?: KnnReport;
}

export interface TrainSimclrResult {
  runDir: string;
  checkpointPath: string;
  /** Final weights; written once all config.epochs are complete, else undefined. */
  modelPath?: string;
  /** The trained encoder (backbone + head + L2) for ONNX Runtime extraction; written with modelPath. */
  onnxPath?: string;
  epochs: number;
  epochsCompleted: number;
  /** Epoch this call started from (0 unless resumed). */
  startEpoch: number;
  /** Mean loss of the last completed epoch (from the checkpoint when no epoch ran in this call). */
  finalLoss?: number;
  history: EpochRecord[];
  /** Last kNN measurement of this call. */
  knn?: KnnReport;
  untrained?: KnnReport;
  backend: string;
  trainImages: number;
}

/**
 * SimCLR pretext training (SCAN's simclr.py, spec §7.1), driven by a pretext config: per epoch the
 * learning rate from the schedule, shuffled batches of two augmented views (drop_last), one
 * forward pass over both views, the reference SimCLR loss, one optimiser step per batch; then an
 * atomic checkpoint and, every `knn.every` epochs, kNN monitoring on `val_db`. Resumes exactly
 * (data order and augmentations derive from seed and epoch), refuses to resume under a changed
 * config, and stops on a non-finite loss leaving the last good checkpoint in place.
 */
export async function trainSimclr(opts: TrainSimclrOptions): Promise<TrainSimclrResult> {
  const c = opts.config;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runDir = path.resolve(opts.runDir);
  // Before any compute: a new or empty folder, or a pretext run folder (.twindb-run.json); anything else is refused.
  const claimed = await claimRunFolder(runDir, {
    command: 'pretext',
    files: PRETEXT_RUN_FILES,
    legacyMarker: 'pretext.log.jsonl',
    inputs: opts.inputs,
    dbs: [...c.train_db, c.val_db].map((db) => dbSpecRoot(db)),
  });
  if (claimed.adopted) log(`${runDir}: a run folder of an earlier twindb, now listed in its .twindb-run.json`);
  logRemovedTemps(claimed.removedTemps, log);
  const checkpointPath = path.join(runDir, RUN_FILES.checkpoint);
  const modelPath = path.join(runDir, RUN_FILES.model);
  const untilEpoch = Math.min(opts.untilEpoch ?? c.epochs, c.epochs);

  if (existsSync(checkpointPath) && !opts.resume) {
    throw new UsageError(`${checkpointPath} exists: pass resume (--resume) to continue that run, or choose another run folder`);
  }
  const backend = await ensureBackend(opts.backend, log);
  const runLog = new RunLog(runDir, 'pretext');

  // --- data -------------------------------------------------------------------------------------
  const inChannels = c.model_kwargs.in_channels ?? defaultInChannels(c.backbone);
  const format: ImageFormat = { channels: inChannels, ...(c.image_size ? { size: c.image_size, fit: 'crop' as const } : {}) };
  const trainSource = unionSources(await Promise.all(c.train_db.map((spec) => openImageSource(spec, { format, warn: log }))));
  const n = trainSource.records.length;
  if (n < c.batch_size) {
    throw new UsageError(
      `train_db (${trainSource.name}) has ${n} images, fewer than batch_size ${c.batch_size}: every batch would be dropped ` +
        '(drop_last, as the reference). Lower batch_size or add images.',
    );
  }
  const stepsPerEpoch = Math.floor(n / c.batch_size);
  const dataset = new AugmentedDataset(trainSource, { transform: trainTransform(c), seed: c.seed, concurrency: c.num_workers });
  const monitor = await openMonitor(c, trainSource, format, log);

  // --- model, optimiser, resume ------------------------------------------------------------------
  const rng = new Rng(`pretext:init:${c.seed}`);
  const model = new ContrastiveModel(createBackbone(c.backbone, { rng, inChannels, variant: c.model_kwargs.variant }), {
    head: c.model_kwargs.head,
    featuresDim: c.model_kwargs.features_dim,
    rng,
  });
  const optimizer = createOptimizer(c);
  const identity = trainingIdentity(c);
  const configHash = identityHash(identity);
  const schedule = lrScheduleOf(c);
  let startEpoch: number;
  let lastLoss: number | undefined;

  try {
    ({ startEpoch, lastLoss } = await resumeRun({ resume: opts.resume === true, checkpointPath, runDir, model, optimizer, configHash, identity, epochs: c.epochs, log, runLog }));
    await writeFileAtomic(path.join(runDir, RUN_FILES.config), `${JSON.stringify(c, null, 2)}\n`);
    runLog.event('start', {
      train_db: trainSource.name,
      images: n,
      stepsPerEpoch,
      batchSize: c.batch_size,
      epochs: c.epochs,
      startEpoch,
      backend,
      parameters: model.numParameters(),
      configHash,
    });
    log(
      `pretext: ${c.backbone} + ${c.model_kwargs.head} head (${model.numParameters().toLocaleString('en')} parameters) on ${trainSource.name} ` +
        `(${n} images, ${stepsPerEpoch} steps of ${c.batch_size}), epochs ${startEpoch + 1}..${untilEpoch} of ${c.epochs}, backend ${backend}`,
    );

    let untrained: KnnReport | undefined;
    if (opts.evaluateUntrained && monitor && startEpoch === 0) {
      untrained = await monitor.evaluate(model);
      log(`kNN untrained: ${formatKnn(untrained)}`);
      appendFileSync(path.join(runDir, RUN_FILES.trainLog), `${JSON.stringify({ epoch: 0, knn: untrained })}\n`);
    }

    const history: EpochRecord[] = [];
    let lastKnn: KnnReport | undefined;
    for (let epoch = startEpoch; epoch < untilEpoch; epoch++) {
      const lr = learningRateAt(schedule, epoch);
      optimizer.learningRate = lr;
      const { lossSum, steps, seconds } = await trainEpoch({ model, optimizer, dataset, config: c, epoch, lr, stepsPerEpoch, checkpointPath, runLog, log, progressIntervalMs: opts.progressIntervalMs, progress: opts.progress, trainName: trainSource.name, signal: opts.signal });
      const meanLoss = lossSum / steps;
      assertFiniteWeights(model, epoch + 1, checkpointPath);
      await saveTrainingCheckpoint(checkpointPath, model, optimizer, {
        epoch: epoch + 1,
        seed: c.seed,
        configHash,
        config: identity,
        optimizer: c.optimizer,
        optimizerIterations: optimizer.iterations,
        loss: meanLoss,
      });
      lastLoss = meanLoss;
      const record: EpochRecord = {
        epoch: epoch + 1,
        lr,
        loss: meanLoss,
        steps,
        images: steps * c.batch_size,
        seconds,
        imagesPerSecond: (steps * c.batch_size) / seconds,
        numTensors: tf.memory().numTensors,
      };
      const every = c.knn.every;
      if (monitor && every > 0 && ((epoch + 1) % every === 0 || epoch + 1 === c.epochs || epoch + 1 === untilEpoch)) {
        record.knn = lastKnn = await monitor.evaluate(model);
      }
      appendFileSync(path.join(runDir, RUN_FILES.trainLog), `${JSON.stringify(record)}\n`);
      history.push(record);
      log(
        `epoch ${epoch + 1}/${c.epochs}: loss ${meanLoss.toFixed(4)} · lr ${lr.toPrecision(3)} · ${record.imagesPerSecond.toFixed(0)} img/s · ` +
          `${seconds.toFixed(1)} s · ${record.numTensors} tensors${record.knn ? ` · kNN ${formatKnn(record.knn)}` : ''}`,
      );
      const prev = history.at(-2);
      if (prev && record.numTensors > prev.numTensors) {
        log(`warning: live tensors grew from ${prev.numTensors} to ${record.numTensors} during epoch ${epoch + 1} (a leak)`);
      }
    }

    const complete = untilEpoch === c.epochs;
    const onnxPath = path.join(runDir, RUN_FILES.onnx);
    if (complete) await exportRun({ model, config: c, modelPath, onnxPath, configHash, inChannels });
    const result: TrainSimclrResult = {
      runDir,
      checkpointPath,
      modelPath: complete ? modelPath : undefined,
      onnxPath: complete ? onnxPath : undefined,
      epochs: c.epochs,
      epochsCompleted: Math.max(startEpoch, untilEpoch),
      startEpoch,
      finalLoss: lastLoss,
      history,
      knn: lastKnn,
      untrained,
      backend,
      trainImages: n,
    };
    runLog.event('done', { epochsCompleted: result.epochsCompleted, finalLoss: lastLoss, modelPath: result.modelPath });
    await runLog.summary({ ...result, history: undefined });
    return result;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

async function ensureBackend(choice: BackendChoice | undefined, log: (line: string) => void): Promise<string> {
  if (choice !== undefined || tf.engine().backendName == null) {
    return (await initBackend({ backend: choice, log: (m) => log(`[twindb] ${m}`) })).name;
  }
  return tf.getBackend();
}

/** An update can turn weights non-finite while the loss that produced it was finite; never checkpoint those. */
function assertFiniteWeights(model: ContrastiveModel, epoch: number, checkpointPath: string): void {
  const bad = model
    .namedParameters()
    .concat(model.namedBuffers())
    .filter(([, v]) => tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(v))).dataSync()[0]) === 1)
    .map(([name]) => name);
  if (bad.length) {
    const kept = existsSync(checkpointPath) ? checkpointPath : undefined;
    throw new NonFiniteLossError(NaN, epoch, undefined, undefined, kept, `weights became non-finite (${bad.slice(0, 4).join(', ')})`);
  }
}
