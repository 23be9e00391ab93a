import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { flattenIdentity, identityChanges, identityHash, InputDataError, Rng, RunLog, type StepContext, stepContext, UsageError, writeFileAtomic } from '@twindb/core-tensors';
import { createOptimizer, learningRateAt, loadState, lrScheduleOf, type SafetensorsEntry } from '@twindb/core-tensors/nn';
import {
  applyStandardization,
  argmaxRows,
  ClusterHeads,
  clusterSizes,
  collapseMessage,
  ensureBackend,
  evaluateAgainstLabels,
  headProbabilities,
  loadFrozenInputs,
  metricsOf,
  readHeadCheckpoint,
  readHeadModel,
  restoreHeadCheckpoint,
  saveHeadCheckpoint,
  SCAN_FILES,
  scanEvaluate,
  valNeighborTable,
  writeHeadModel,
  writeStepOutputs,
  type ClusterMetrics,
  type HeadModel,
  type NeighborTable,
} from '@twindb/scan';
import { confidenceCrossEntropy, confidenceMask } from './confidence-ce.js';
import { loadSelflabelConfig, parseSelflabelConfig, type SelflabelConfig } from './selflabel-config.js';
import { parseSelflabelOptions, type SelflabelOptionsInput } from './selflabel-options.js';

export const SELFLABEL_CHECKPOINT_FORMAT = 'twindb-selflabel-checkpoint/1';

/** One epoch of `selflabel.log.jsonl` (event `epoch`). */
export interface SelflabelEpochRecord {
  epoch: number;
  lr: number;
  /** Mean loss over the steps that trained. */
  loss: number;
  steps: number;
  /** Batches skipped because no row passed the threshold (and the guard added none). */
  skippedBatches: number;
  /** Share of rows above the threshold. */
  confidentFraction: number;
  /** Rows the per-cluster guard added below the threshold. */
  guardAdded: number;
  /** Masked rows per cluster over the epoch. */
  maskedPerCluster: number[];
  clusterSizes: number[];
  /** Label-free SCAN val total (consistency − entropy) of the head after this epoch. */
  valLoss: number;
  valAcc?: number;
  seconds: number;
}

/** Label-free scores of one head on val. */
export interface HeadCriterion {
  /** SCAN val total (consistency − 1·entropy over self + valNeighbors pairs, §9.3): lower is better. */
  scanLoss: number;
  /** Share of (anchor, neighbour) val pairs, self excluded, predicted in the same cluster, among confident anchors. */
  confidentAgreement: number;
  /** Share of val rows above the confidence threshold. */
  confidentFraction: number;
}

/** `selflabel.summary.json`. */
export interface SelflabelSummary {
  acc: number | null;
  nmi: number | null;
  ari: number | null;
  manyToOneAcc: number | null;
  evaluatedOn: 'val' | 'train' | null;
  train?: ClusterMetrics;
  val?: ClusterMetrics;
  /** Which head the outputs hold. */
  kept: 'selflabel' | 'scan';
  keptReason: string;
  criterion: { scan: HeadCriterion; selflabel: HeadCriterion };
  /** Metrics of both candidates (when labelled), for the record. */
  candidates: { scan?: ClusterMetrics; selflabel?: ClusterMetrics };
  skippedBatches: number;
  epochs: number;
  epochsCompleted: number;
  complete: boolean;
  seconds: number;
  clusterSizes: number[];
  warnings: string[];
  configHash: string;
  backend: string;
  outputs: Record<string, string>;
}

export interface SelflabelResult {
  summary: SelflabelSummary;
  history: SelflabelEpochRecord[];
  train: { cluster: Int32Array; confidence: Float32Array; probabilities: Float32Array };
  val?: { cluster: Int32Array; confidence: Float32Array; probabilities: Float32Array };
  out: string;
}

interface LoopState {
  history: SelflabelEpochRecord[];
  skippedBatches: number;
}

/**
 * STEP 3 in frozen-feature mode (spec §7.5 on stored features): starts from SCAN's kept head and
 * standardisation, trains it with the confidence-thresholded cross-entropy (§5.4). The weak view is
 * the stored feature; the "strong" view is the same feature plus N(0, feature_noise²) noise per
 * dimension of the standardised feature (0 = identical views; with frozen features there is no image
 * augmentation to apply). A batch with no masked row is skipped and counted (the reference crashes).
 * After training the head is compared label-free with SCAN's on val (SCAN val total loss) and the
 * better one is kept (`keep: better`), the reason logged. Checkpoints every epoch; exact resume.
 */
export async function runSelflabel(input: SelflabelOptionsInput, context: Partial<StepContext> = {}): Promise<SelflabelResult> {
  const o = parseSelflabelOptions(input);
  const ctx = stepContext(context);
  const t0 = performance.now();
  const base = typeof o.config === 'string' ? await loadSelflabelConfig(o.config) : parseSelflabelConfig(o.config);
  const c: SelflabelConfig = o.seed === undefined ? base : { ...base, seed: o.seed };
  const out = path.resolve(o.out);
  mkdirSync(out, { recursive: true });
  const checkpointPath = path.join(out, SCAN_FILES.checkpoint);
  if (existsSync(checkpointPath) && !o.resume) {
    throw new UsageError(`${checkpointPath} exists: pass resume (--resume) to continue that run, or choose another out folder`);
  }
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    ctx.log(`warning: ${m}`);
  };

  // --- inputs -----------------------------------------------------------------------------------
  const scanModelPath = existsSync(path.join(o.scan, SCAN_FILES.model)) ? path.join(o.scan, SCAN_FILES.model) : o.scan;
  if (!existsSync(scanModelPath)) throw new InputDataError(`scan: ${o.scan} is neither a SCAN output folder with ${SCAN_FILES.model} nor that file`);
  const scanModel = await readHeadModel(scanModelPath, 'scan');
  const inputs = await loadFrozenInputs(o.features, o.valFeatures);
  const { train, val } = inputs;
  const n = train.rows;
  const dim = train.dim;
  const K = c.num_classes;
  if (scanModel.dim !== dim) throw new InputDataError(`scan: ${scanModelPath} takes ${scanModel.dim}-d features but features ${train.file} has dim ${dim}`);
  if (scanModel.numClasses !== K) throw new UsageError(`num_classes ${K} differs from the ${scanModel.numClasses} clusters of the SCAN model ${scanModelPath}`);
  if (c.batch_size > n) throw new UsageError(`batch_size ${c.batch_size} exceeds the ${n} rows of features ${train.file} (drop_last would leave no batch)`);
  const backend = await ensureBackend(o.backend, ctx.log);
  const runLog = new RunLog(out, 'selflabel');
  const valNb = valNeighborTable(inputs, undefined, o.valNeighbors);
  const xTrain = applyStandardization(train.embeddings, scanModel.standardization);
  const xVal = inputs.sameVal ? xTrain : applyStandardization(val.embeddings, scanModel.standardization);

  // --- model: SCAN's kept head ------------------------------------------------------------------
  const head = new ClusterHeads(dim, K, 1, new Rng(`selflabel:init:${c.seed}`));
  loadHeadModelInto(head, scanModel, scanModelPath);
  const optimizer = createOptimizer(c);
  const schedule = lrScheduleOf(c);
  const scanCriterion = headCriterion(headProbabilities(head, xVal, dim)[0], K, valNb, c.confidence_threshold);
  const identity = flattenIdentity({
    ...trainingKeys(c),
    scanModel: scanModel.metadata.config_hash ?? '',
    scanHead: Array.from(scanModel.bias.slice(0, 4)),
    features: { digest: train.digest, rows: n, dim },
  });
  const configHash = identityHash(identity);
  const state: LoopState = { history: [], skippedBatches: 0 };
  let startEpoch = 0;
  const untilEpoch = Math.min(o.untilEpoch ?? c.epochs, c.epochs);

  try {
    if (o.resume && existsSync(checkpointPath)) {
      const ckpt = await readHeadCheckpoint(checkpointPath, SELFLABEL_CHECKPOINT_FORMAT);
      if (ckpt.info.configHash !== configHash) {
        throw new UsageError(
          `${checkpointPath}: refusing to resume, the config or inputs changed since the checkpoint was written:\n  ${identityChanges(ckpt.info.config, identity).join('\n  ')}\n` +
            'Restore these values, or start a new run in another out folder.',
        );
      }
      restoreHeadCheckpoint(ckpt, head, optimizer);
      Object.assign(state, ckpt.info.state as unknown as LoopState);
      startEpoch = ckpt.info.epoch;
      ctx.log(`resumed ${checkpointPath} at epoch ${startEpoch}/${c.epochs}`);
      runLog.event('resume', { checkpoint: checkpointPath, epoch: startEpoch });
    }
    await writeFileAtomic(path.join(out, SCAN_FILES.config), `${JSON.stringify(c, null, 2)}\n`);
    runLog.event('start', { features: train.file, scanModel: scanModelPath, rows: n, dim, numClasses: K, epochs: c.epochs, startEpoch, backend, configHash, scanCriterion });
    ctx.log(
      `selflabel (frozen features): head ${dim}→${K} from ${scanModelPath}, ${n} rows (${Math.floor(n / c.batch_size)} steps of ${c.batch_size}), threshold ${c.confidence_threshold}, ` +
        `guard ${c.min_confident_per_cluster}, feature noise ${c.feature_noise}, epochs ${startEpoch + 1}..${untilEpoch} of ${c.epochs}, backend ${backend}`,
    );
    const vars = head.parameters();
    const stepsPerEpoch = Math.floor(n / c.batch_size);
    for (let epoch = startEpoch; epoch < untilEpoch; epoch++) {
      ctx.signal?.throwIfAborted();
      const lr = learningRateAt(schedule, epoch);
      optimizer.learningRate = lr;
      const progress = ctx.progress(`selflabel epoch ${epoch + 1}/${c.epochs}`, stepsPerEpoch * c.batch_size, 'rows');
      const rng = new Rng(`selflabel:epoch:${c.seed}:${epoch}`);
      const order = rng.permutation(n);
      let lossSum = 0;
      let steps = 0;
      let skipped = 0;
      let confident = 0;
      let guardAdded = 0;
      const masked = new Array<number>(K).fill(0);
      for (let s = 0; s < stepsPerEpoch; s++) {
        ctx.signal?.throwIfAborted();
        const b = c.batch_size;
        const weak = new Float32Array(b * dim);
        for (let i = 0; i < b; i++) {
          const row = order[s * b + i];
          weak.set(xTrain.subarray(row * dim, (row + 1) * dim), i * dim);
        }
        const strong = c.feature_noise > 0 ? weak.map((v) => v + c.feature_noise * rng.normal()) : weak;
        // Weak pass: no gradient (the reference's no-grad forward of the val-transformed image).
        const weakProbs = tf.tidy(() => tf.softmax(head.logits(tf.tensor2d(weak, [b, dim]))[0]).dataSync() as Float32Array);
        const mask = confidenceMask(weakProbs, K, c.confidence_threshold, c.min_confident_per_cluster);
        confident += mask.confident;
        guardAdded += mask.guardAdded;
        mask.perCluster.forEach((v, k) => (masked[k] += v));
        if (mask.confident + mask.guardAdded === 0) {
          skipped++;
          progress.tick(b, 'skipped (no confident row)');
          continue;
        }
        const before = c.use_ema ? vars.map((v) => tf.clone(v)) : [];
        const { value, grads } = tf.variableGrads(
          () => confidenceCrossEntropy(head.logits(tf.tensor2d(strong, [b, dim]))[0], mask.targets, c.criterion_kwargs.apply_class_balancing)!,
          vars,
        );
        const loss = value.dataSync()[0];
        if (!Number.isFinite(loss)) {
          tf.dispose([value, ...Object.values(grads), ...before]);
          throw new Error(`selflabel: loss is ${loss} at epoch ${epoch + 1}, step ${s + 1}; the last good checkpoint is ${checkpointPath}`);
        }
        optimizer.step(vars, grads as Record<string, tf.Tensor>);
        tf.dispose([value, ...Object.values(grads)]);
        if (c.use_ema) {
          // Reference EMA (§7.5): shadow ← α·shadow + (1−α)·current, then the shadow is loaded back into
          // the live head. The shadow always equals the live weights before the step, so this is it.
          const alpha = c.ema_alpha!;
          vars.forEach((v, i) => v.assign(tf.tidy(() => tf.add(tf.mul(before[i], alpha), tf.mul(v, 1 - alpha)))));
          tf.dispose(before);
        }
        lossSum += loss;
        steps++;
        progress.tick(b, `loss ${loss.toFixed(4)} · masked ${mask.confident + mask.guardAdded}/${b}`);
      }
      state.skippedBatches += skipped;
      const valProbs = headProbabilities(head, xVal, dim)[0];
      const valEv = scanEvaluate([valProbs], K, valNb.indices, valNb.m);
      const trainProbs = inputs.sameVal ? valProbs : headProbabilities(head, xTrain, dim)[0];
      const sizes = clusterSizes(argmaxRows(trainProbs, K).cluster, K);
      const valEval = evaluateAgainstLabels(argmaxRows(valProbs, K).cluster, valProbs, K, val.labels);
      const record: SelflabelEpochRecord = {
        epoch: epoch + 1,
        lr,
        loss: steps ? lossSum / steps : NaN,
        steps,
        skippedBatches: skipped,
        confidentFraction: confident / (stepsPerEpoch * c.batch_size),
        guardAdded,
        maskedPerCluster: masked,
        clusterSizes: sizes,
        valLoss: valEv.lowestLoss,
        valAcc: valEval?.acc,
        seconds: progress.elapsedSeconds(),
      };
      state.history.push(record);
      runLog.event('epoch', { ...record, loss: Number.isFinite(record.loss) ? record.loss : null });
      ctx.log(
        `epoch ${epoch + 1}/${c.epochs}: loss ${record.loss.toFixed(4)} · confident ${(100 * record.confidentFraction).toFixed(1)} %` +
          `${guardAdded ? ` · guard +${guardAdded}` : ''}${skipped ? ` · ${skipped} batch(es) skipped` : ''} · val loss ${valEv.lowestLoss.toFixed(4)}` +
          `${valEval ? ` · val ACC ${(100 * valEval.acc).toFixed(2)}` : ''} · sizes [${sizes.join(' ')}] · masked/cluster [${masked.join(' ')}]`,
      );
      const starving = masked.map((m, k) => [m, k]).filter(([m]) => m === 0).map(([, k]) => k);
      if (starving.length) ctx.log(`warning: epoch ${epoch + 1}: cluster(s) ${starving.join(', ')} had no masked row; raise min_confident_per_cluster or lower confidence_threshold`);
      const collapse = collapseMessage(sizes, n, o.collapseThreshold, {});
      if (collapse) ctx.log(`warning: epoch ${epoch + 1}: ${collapse}`);
      await saveHeadCheckpoint(checkpointPath, head, optimizer, new Map<string, SafetensorsEntry>(), {
        format: SELFLABEL_CHECKPOINT_FORMAT,
        epoch: epoch + 1,
        seed: c.seed,
        configHash,
        config: identity,
        optimizerIterations: optimizer.iterations,
        state: state as unknown as Record<string, unknown>,
      });
    }

    // --- compare with SCAN (label-free), keep the better head, write outputs ---------------------
    const complete = untilEpoch >= c.epochs;
    const selfCriterion = headCriterion(headProbabilities(head, xVal, dim)[0], K, valNb, c.confidence_threshold);
    const predict = (x: Float32Array) => {
      const probabilities = headProbabilities(head, x, dim)[0];
      return { ...argmaxRows(probabilities, K), probabilities };
    };
    const selfPred = { train: predict(xTrain), val: inputs.sameVal ? undefined : predict(xVal) };
    const selfWeights = { weight: Float32Array.from(head.heads[0].weight.dataSync() as Float32Array), bias: Float32Array.from(head.heads[0].bias.dataSync() as Float32Array) };
    loadHeadModelInto(head, scanModel, scanModelPath);
    const scanPred = { train: predict(xTrain), val: inputs.sameVal ? undefined : predict(xVal) };
    const worse = selfCriterion.scanLoss > scanCriterion.scanLoss;
    const kept: 'selflabel' | 'scan' = o.keep === 'selflabel' || !worse ? 'selflabel' : 'scan';
    const keptReason =
      kept === 'scan'
        ? `self-label raised the label-free SCAN val loss from ${scanCriterion.scanLoss.toFixed(4)} to ${selfCriterion.scanLoss.toFixed(4)} ` +
          `(confident-set agreement ${scanCriterion.confidentAgreement.toFixed(4)} → ${selfCriterion.confidentAgreement.toFixed(4)}): keeping the SCAN head`
        : o.keep === 'selflabel' && worse
          ? `keep: selflabel (the reference's behaviour), although the label-free SCAN val loss rose from ${scanCriterion.scanLoss.toFixed(4)} to ${selfCriterion.scanLoss.toFixed(4)}`
          : `self-label kept the label-free SCAN val loss at or below SCAN's (${selfCriterion.scanLoss.toFixed(4)} ≤ ${scanCriterion.scanLoss.toFixed(4)}; confident-set agreement ${scanCriterion.confidentAgreement.toFixed(4)} → ${selfCriterion.confidentAgreement.toFixed(4)}): keeping the self-label head`;
    ctx.log(`selflabel: ${keptReason}`);
    runLog.event('keep', { kept, reason: keptReason, scan: scanCriterion, selflabel: selfCriterion });
    const chosen = kept === 'selflabel' ? selfPred : scanPred;
    const evalOf = (p: typeof selfPred) => ({
      train: evaluateAgainstLabels(p.train.cluster, p.train.probabilities, K, train.labels),
      val: p.val ? evaluateAgainstLabels(p.val.cluster, p.val.probabilities, K, val.labels) : undefined,
    });
    const selfEval = evalOf(selfPred);
    const scanEval = evalOf(scanPred);
    const chosenEval = kept === 'selflabel' ? selfEval : scanEval;
    const trainEval = chosenEval.train;
    const valEval = inputs.sameVal ? trainEval : chosenEval.val;
    const finalSizes = clusterSizes(chosen.train.cluster, K);
    const collapse = collapseMessage(finalSizes, n, o.collapseThreshold, {});
    if (collapse) warn(collapse);
    if (state.skippedBatches > 0) warn(`${state.skippedBatches} batch(es) had no row above confidence_threshold ${c.confidence_threshold} and were skipped (the reference would have crashed)`);
    const outputs: Record<string, string> = {};
    if (complete) {
      Object.assign(outputs, await writeStepOutputs(out, inputs.sameVal, train, val, chosen.train, chosen.val, K, trainEval, valEval, kept === 'selflabel' ? 'self-label' : 'SCAN (kept over self-label)'));
      outputs.model = path.join(out, SCAN_FILES.model);
      const w = kept === 'selflabel' ? selfWeights : { weight: scanModel.weight, bias: scanModel.bias };
      await writeHeadModel(outputs.model, {
        ...w,
        standardization: scanModel.standardization,
        dim,
        numClasses: K,
        metadata: { step: 'selflabel', kept, scan_model: scanModelPath, encoder: train.meta.encoder, db: train.meta.db, config_hash: configHash },
      });
    }
    outputs.checkpoint = checkpointPath;
    outputs.log = runLog.logPath;
    outputs.summary = runLog.summaryPath;
    const reported = valEval ?? trainEval;
    const cand = (e: { train?: ReturnType<typeof evaluateAgainstLabels>; val?: ReturnType<typeof evaluateAgainstLabels> }) => metricsOf(inputs.sameVal ? e.train : (e.val ?? e.train));
    const summary: SelflabelSummary = {
      acc: reported?.acc ?? null,
      nmi: reported?.nmi ?? null,
      ari: reported?.ari ?? null,
      manyToOneAcc: reported?.manyToOneAcc ?? null,
      evaluatedOn: valEval ? 'val' : trainEval ? 'train' : null,
      train: metricsOf(trainEval),
      val: metricsOf(valEval),
      kept,
      keptReason,
      criterion: { scan: scanCriterion, selflabel: selfCriterion },
      candidates: { scan: cand(scanEval), selflabel: cand(selfEval) },
      skippedBatches: state.skippedBatches,
      epochs: c.epochs,
      epochsCompleted: Math.max(startEpoch, untilEpoch),
      complete,
      seconds: (performance.now() - t0) / 1000,
      clusterSizes: finalSizes,
      warnings,
      configHash,
      backend,
      outputs,
    };
    runLog.event('done', { acc: summary.acc, kept, complete });
    await runLog.summary({ ...summary });
    if (reported) ctx.log(`selflabel: kept ${kept} · ${summary.evaluatedOn} ACC ${(100 * reported.acc).toFixed(2)} NMI ${(100 * reported.nmi).toFixed(2)} ARI ${(100 * reported.ari).toFixed(2)}`);
    return { summary, history: state.history, train: chosen.train, val: chosen.val, out };
  } finally {
    optimizer.dispose();
    head.dispose();
  }
}

function trainingKeys(c: SelflabelConfig): Record<string, unknown> {
  const { num_workers: _w, train_db_name: _tn, val_db_name: _vn, val_db: _v, ...rest } = c;
  return rest;
}

function loadHeadModelInto(head: ClusterHeads, m: HeadModel, source: string): void {
  const k = m.numClasses;
  loadState(
    head,
    new Map<string, SafetensorsEntry>([
      ['0.weight', { dtype: 'F32', shape: [m.dim, k], data: m.weight }],
      ['0.bias', { dtype: 'F32', shape: [k], data: m.bias }],
    ]),
    { source },
  );
}

/** Label-free scores of a head's val probabilities (see {@link HeadCriterion}). */
export function headCriterion(probs: Float32Array, k: number, nb: NeighborTable, threshold: number): HeadCriterion {
  const scanLoss = scanEvaluate([probs], k, nb.indices, nb.m).lowestLoss;
  const { cluster, confidence } = argmaxRows(probs, k);
  let pairs = 0;
  let agree = 0;
  let confident = 0;
  for (let i = 0; i < nb.n; i++) {
    if (!(confidence[i] > threshold)) continue;
    confident++;
    for (let j = 1; j < nb.m; j++) {
      pairs++;
      if (cluster[nb.indices[i * nb.m + j]] === cluster[i]) agree++;
    }
  }
  return { scanLoss, confidentAgreement: pairs ? agree / pairs : 0, confidentFraction: confident / nb.n };
}
