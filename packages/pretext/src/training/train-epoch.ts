import { existsSync } from 'node:fs';
import { Progress, type RunLog, type StepContext } from '@twindb/core-tensors';
import { explainWasmAbort } from '@twindb/core-tensors/backend';
import type { AugmentedDataset } from '@twindb/core-tensors/data';
import type { Optimizer } from '@twindb/core-tensors/nn';
import type { ContrastiveModel } from '../contrastive-model.js';
import { NonFiniteLossError } from '../non-finite-loss-error.js';
import type { PretextConfig } from '../pretext-config.js';
import { gradCacheStep } from '../grad-cache-step.js';
import { simclrStep } from '../simclr-step.js';

export interface TrainEpochInput {
  model: ContrastiveModel;
  optimizer: Optimizer;
  dataset: AugmentedDataset;
  config: PretextConfig;
  /** 0-based. */
  epoch: number;
  lr: number;
  stepsPerEpoch: number;
  checkpointPath: string;
  runLog: RunLog;
  log: (line: string) => void;
  progressIntervalMs?: number;
  /** Progress of the caller's terminal (a bar redrawn in place); default: lines through `log`. */
  progress?: StepContext['progress'];
  trainName: string;
  signal?: AbortSignal;
}

/**
 * Phase "epoch": one pass of shuffled batches of two augmented views (drop_last), one SimCLR step
 * each (in one pass, or by gradient caching when `grad_cache_chunk` is set), with a progress line;
 * stops on a non-finite loss (the last good checkpoint stays).
 */
export async function trainEpoch(e: TrainEpochInput): Promise<{ lossSum: number; steps: number; seconds: number }> {
  const c = e.config;
  const label = `epoch ${e.epoch + 1}/${c.epochs}`;
  const total = e.stepsPerEpoch * c.batch_size;
  const progress = e.progress && e.progressIntervalMs === undefined ? e.progress(label, total, 'img') : new Progress(label, total, { unit: 'img', write: e.log, intervalMs: e.progressIntervalMs });
  let lossSum = 0;
  let steps = 0;
  // The dataset draws each batch's augmentations once, before the step: both passes of gradient caching see the same views.
  const chunk = c.grad_cache_chunk ?? 0;
  // reuseBuffers: each batch is copied into tensors by its step, before the next one is asked for.
  for await (const batch of e.dataset.batches({ batchSize: c.batch_size, shuffle: true, dropLast: true, epoch: e.epoch, reuseBuffers: true })) {
    e.signal?.throwIfAborted();
    let loss: number;
    try {
      const tau = c.criterion_kwargs.temperature;
      loss = chunk > 0 ? gradCacheStep(e.model, e.optimizer, batch, tau, chunk) : simclrStep(e.model, e.optimizer, batch, tau);
    } catch (err) {
      const views = chunk > 0 ? `${2 * c.batch_size} views in chunks of ${chunk}: lower grad_cache_chunk` : `${2 * c.batch_size} views in one pass: or set grad_cache_chunk to keep the batch`;
      throw explainWasmAbort(err, `epoch ${e.epoch + 1}, step ${steps + 1} (batch_size ${c.batch_size}, ${views})`);
    }
    if (!Number.isFinite(loss)) {
      const err = new NonFiniteLossError(loss, e.epoch + 1, steps + 1, e.stepsPerEpoch, existsSync(e.checkpointPath) ? e.checkpointPath : undefined);
      e.runLog.event('non-finite-loss', { epoch: e.epoch + 1, step: steps + 1, loss: String(loss) });
      throw err;
    }
    lossSum += loss;
    steps++;
    progress.tick(batch.indices.length, `loss ${loss.toFixed(4)} · lr ${e.lr.toPrecision(3)}`);
  }
  if (steps === 0) throw new Error(`epoch ${e.epoch + 1}: no full batch of readable images in ${e.trainName}`);
  return { lossSum, steps, seconds: progress.elapsedSeconds() };
}
