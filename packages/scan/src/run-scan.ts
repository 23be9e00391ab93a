import { existsSync } from 'node:fs';
import path from 'node:path';
import { flattenIdentity, identityHash, RunLog, stepContext, UsageError, writeFileAtomic, type StepContext } from '@twindb/core-tensors';
import { dbSpecRoot } from '@twindb/core-tensors/data';
import { createOptimizer, learningRateAt, loadState, lrScheduleOf, type SafetensorsEntry } from '@twindb/core-tensors/nn';
import { evaluateAgainstLabels, type LabelEvaluation } from './eval-labels.js';
import { argmaxRows, clusterSizes } from './frozen/frozen-batches.js';
import { frozenScanDriver } from './frozen/frozen-driver.js';
import { ensureBackend, valNeighborTable } from './frozen/frozen-inputs.js';
import { mineNeighborTable, writeNeighborsArrow, type NeighborTable } from './frozen/neighbor-table.js';
import { checkpointExtras, restoreHeadCheckpoint, saveHeadCheckpoint, snapshotState } from './io/head-checkpoint.js';
import { openRunFolder, readResumableCheckpoint } from './io/run-folder.js';
import { imageScanDriver } from './image/image-driver.js';
import { writeConfusion, writePredictions } from './io/write-results.js';
import { neighborAccuracy } from './mine-neighbors.js';
import { loadScanConfig, parseScanConfig, scanTrainingKeys, type ScanConfig } from './scan-config.js';
import type { ScanDriver, StepRows } from './scan-driver.js';
import { scanTrainEpoch } from './scan-epoch.js';
import { scanEvaluate } from './scan-evaluate.js';
import { parseScanOptions, type ScanOptionsInput } from './scan-options.js';

/** File names inside a SCAN output folder. */
export const SCAN_FILES = {
  checkpoint: 'checkpoint.safetensors',
  model: 'model.safetensors',
  config: 'config.json',
  neighbors: 'neighbors.arrow',
  valNeighbors: 'neighbors-val.arrow',
  predictions: 'predictions',
  valPredictions: 'predictions-val',
  confusion: 'confusion',
  trainConfusion: 'confusion-train',
} as const;

export const SCAN_CHECKPOINT_FORMAT = 'twindb-scan-checkpoint/1';

/** Clustering metrics as the summary reports them. */
export interface ClusterMetrics {
  acc: number;
  manyToOneAcc: number;
  nmi: number;
  ari: number;
  top5?: number;
  labelled: number;
}

/** One epoch of `scan.log.jsonl` (event `epoch`) and of the summary's history. */
export interface ScanEpochRecord {
  epoch: number;
  lr: number;
  /** Mean training loss over steps and heads (consistency − w·entropy). */
  loss: number;
  consistency: number;
  entropy: number;
  /** Label-free val total (consistency − 1·entropy) of every head (§9.3). */
  valTotals: number[];
  lowestLossHead: number;
  lowestLoss: number;
  improved: boolean;
  /** Cluster sizes of this epoch's lowest-loss head on the DB being clustered. */
  clusterSizes: number[];
  /** This epoch's lowest-loss head on val, printed only (no effect on training). */
  valAcc?: number;
  seconds: number;
}

/** `scan.summary.json`. */
export interface ScanSummary {
  /** Metrics of the kept head on val when val has labels, else on train when it has; else null. */
  acc: number | null;
  nmi: number | null;
  ari: number | null;
  manyToOneAcc: number | null;
  evaluatedOn: 'val' | 'train' | null;
  train?: ClusterMetrics;
  val?: ClusterMetrics;
  /** The kept head (lowest label-free val loss over all epochs). */
  head: number;
  lowestLoss: number;
  bestEpoch: number;
  epochs: number;
  epochsCompleted: number;
  complete: boolean;
  seconds: number;
  numClasses: number;
  numHeads: number;
  rows: { train: number; val: number };
  neighborPurity: { train?: number; val?: number };
  clusterSizes: number[];
  warnings: string[];
  configHash: string;
  backend: string;
  outputs: Record<string, string>;
}

export interface ScanResult {
  summary: ScanSummary;
  history: ScanEpochRecord[];
  /** Final predictions on the DB being clustered (kept head). */
  train: { cluster: Int32Array; confidence: Float32Array; probabilities: Float32Array };
  val?: { cluster: Int32Array; confidence: Float32Array; probabilities: Float32Array };
  out: string;
}

/** Persistent loop state (checkpointed as JSON, so float64 values round-trip exactly). */
interface LoopState {
  bestLoss: number;
  bestHead: number;
  bestEpoch: number;
  history: ScanEpochRecord[];
}

/**
 * STEP 2: SCAN clustering (spec §7.4), one loop for both modes (a {@link ScanDriver} supplies what
 * differs). Frozen-feature mode (`mode: frozen`, the default): `num_heads` linear heads on stored
 * embeddings standardised with the train mean/std. Image mode (`mode: image`): backbone from a
 * pretext run (§4.8) + heads, trained on augmented anchors and neighbours. Both mine neighbours
 * (exact cosine, self in column 0), train with the SCAN loss (sum over heads), select the head
 * label-free on val every epoch and keep its weights when the lowest loss improves (§9.3);
 * checkpoints every epoch and resumes bit-identically.
 */
export async function runScan(input: ScanOptionsInput, context: Partial<StepContext> = {}): Promise<ScanResult> {
  const o = parseScanOptions(input);
  const ctx = stepContext(context);
  const t0 = performance.now();
  const base = typeof o.config === 'string' ? await loadScanConfig(o.config) : parseScanConfig(o.config);
  const c: ScanConfig = o.seed === undefined ? base : { ...base, seed: o.seed };
  const out = path.resolve(o.out);
  if (c.mode === 'image' && o.pretext === undefined) throw new UsageError('image mode (mode: image) needs pretext (--pretext <run>): the twindb pretext run whose backbone it fine-tunes');
  if (c.mode === 'frozen' && o.features === undefined) throw new UsageError('frozen-feature mode needs features (--features, or --pretext on the command line): the SimCLR features of the DB to cluster');
  const { checkpointPath, warnings, warn } = await openRunFolder(out, {
    step: 'scan',
    checkpointName: SCAN_FILES.checkpoint,
    resume: o.resume,
    log: ctx.log,
    inputs: [typeof o.config === 'string' ? o.config : undefined, o.features, o.valFeatures, o.pretext],
    dbs: c.mode === 'image' ? [dbSpecRoot(c.train_db), dbSpecRoot(c.val_db)] : [],
  });

  // --- inputs -----------------------------------------------------------------------------------
  const backend = await ensureBackend(o.backend, ctx.log);
  const driver =
    c.mode === 'image'
      ? await imageScanDriver({ pretext: o.pretext!, features: o.features, valFeatures: o.valFeatures, log: ctx.log }, c)
      : await frozenScanDriver(o.features!, o.valFeatures, c);
  const { train, val, sameVal, mining } = driver;
  const n = train.rows;
  const K = c.num_classes;
  try {
    if (K > n) throw new UsageError(`num_classes ${K} exceeds the ${n} rows of ${driver.trainName}`);
    if (c.batch_size > n) throw new UsageError(`batch_size ${c.batch_size} exceeds the ${n} rows of ${driver.trainName} (drop_last would leave no batch)`);
    if (c.num_neighbors >= n) throw new UsageError(`num_neighbors ${c.num_neighbors} needs more than ${n} rows in ${driver.trainName}`);
  } catch (err) {
    driver.dispose();
    throw err;
  }
  const runLog = new RunLog(out, 'scan');

  // --- neighbours (mined on the stored or pretext embeddings, usually L2-normalised) -------------
  const trainNb = mineNeighborTable(mining.train.embeddings, mining.train.dim, c.num_neighbors);
  const valNb = valNeighborTable(mining, trainNb, o.valNeighbors);
  const purity = { train: labelledPurity(trainNb, train), val: labelledPurity(valNb, val) };
  if (purity.train !== undefined) ctx.log(`neighbours: top-${c.num_neighbors} purity on ${train.meta.db || 'train'} ${(100 * purity.train).toFixed(2)} %`);
  if (purity.val !== undefined && !sameVal) ctx.log(`neighbours: top-${o.valNeighbors} purity on val ${(100 * purity.val).toFixed(2)} %`);
  const outputs: Record<string, string> = { neighbors: path.join(out, SCAN_FILES.neighbors) };
  await writeNeighborsArrow(outputs.neighbors, trainNb, train.ids);
  if (!sameVal) {
    outputs.valNeighbors = path.join(out, SCAN_FILES.valNeighbors);
    await writeNeighborsArrow(outputs.valNeighbors, valNb, val.ids);
  }

  // --- model, optimiser --------------------------------------------------------------------------
  const optimizer = createOptimizer(c);
  const schedule = lrScheduleOf(c);
  const identity = flattenIdentity({ ...scanTrainingKeys(c), ...driver.identity, valNeighbors: o.valNeighbors });
  const configHash = identityHash(identity);
  const state: LoopState = { bestLoss: 1e4, bestHead: -1, bestEpoch: 0, history: [] };
  let best: Map<string, SafetensorsEntry> | undefined;
  let startEpoch = 0;
  const untilEpoch = Math.min(o.untilEpoch ?? c.epochs, c.epochs);

  try {
    if (o.resume && existsSync(checkpointPath)) {
      const ckpt = await readResumableCheckpoint(checkpointPath, SCAN_CHECKPOINT_FORMAT, configHash, identity);
      restoreHeadCheckpoint(ckpt, driver.model, optimizer);
      const extras = checkpointExtras(ckpt);
      driver.restoreExtras(extras);
      const saved = ckpt.info.state as unknown as LoopState;
      Object.assign(state, saved);
      const b = new Map<string, SafetensorsEntry>();
      for (const [name, t] of extras) if (name.startsWith('best.')) b.set(name.slice(5), t);
      best = b.size ? b : undefined;
      startEpoch = ckpt.info.epoch;
      ctx.log(`resumed ${checkpointPath} at epoch ${startEpoch}/${c.epochs}`);
      runLog.event('resume', { checkpoint: checkpointPath, epoch: startEpoch });
    } else if (o.resume) {
      ctx.log(`no checkpoint in ${out}; starting a new run`);
    }
    await writeFileAtomic(path.join(out, SCAN_FILES.config), `${JSON.stringify({ ...c, seed: c.seed }, null, 2)}\n`);
    runLog.event('start', {
      mode: c.mode,
      ...driver.startInfo,
      rows: n,
      valRows: val.rows,
      numClasses: K,
      numHeads: c.num_heads,
      epochs: c.epochs,
      startEpoch,
      backend,
      configHash,
      neighborPurity: purity,
    });
    ctx.log(
      `scan (${driver.mode}): ${driver.describe} on ${n} rows (${Math.floor(n / c.batch_size)} steps of ${c.batch_size}), ` +
        `val ${val.rows} rows, epochs ${startEpoch + 1}..${untilEpoch} of ${c.epochs}, ${c.optimizer} lr ${c.optimizer_kwargs.lr}, backend ${backend}`,
    );

    const stepsPerEpoch = Math.floor(n / c.batch_size);
    if (startEpoch === 0 && driver.warmup && c.head_warmup_epochs > 0) await warmUpHeads(driver.warmup, trainNb, c, stepsPerEpoch, ctx, runLog);
    const sizeRows = driver.sizesOn === 'train' ? n : val.rows;
    for (let epoch = startEpoch; epoch < untilEpoch; epoch++) {
      ctx.signal?.throwIfAborted();
      const lr = learningRateAt(schedule, epoch);
      optimizer.learningRate = lr;
      const progress = ctx.progress(`scan epoch ${epoch + 1}/${c.epochs}`, stepsPerEpoch * c.batch_size, 'anchors');
      const stats = await scanTrainEpoch({
        parameters: driver.parameters(),
        optimizer,
        entropyWeight: c.criterion_kwargs.entropy_weight,
        batches: driver.batches(trainNb, epoch),
        onStep: (b, loss) => progress.tick(b, `loss ${loss.toFixed(4)}`),
        signal: ctx.signal,
      });
      // Label-free head selection on val (§9.3); weights kept only when the lowest loss improves.
      const valProbs = await driver.probabilities('val');
      const ev = scanEvaluate(valProbs, K, valNb.indices, valNb.m);
      const improved = ev.lowestLoss < state.bestLoss;
      if (improved) {
        state.bestLoss = ev.lowestLoss;
        state.bestHead = ev.lowestLossHead;
        state.bestEpoch = epoch + 1;
        best = snapshotState(driver.model);
      }
      const sizeProbs = sameVal || driver.sizesOn === 'val' ? valProbs[ev.lowestLossHead] : (await driver.probabilities('train'))[ev.lowestLossHead];
      const sizes = clusterSizes(argmaxRows(sizeProbs, K).cluster, K);
      const valEval = evaluateAgainstLabels(argmaxRows(valProbs[ev.lowestLossHead], K).cluster, valProbs[ev.lowestLossHead], K, val.labels);
      const record: ScanEpochRecord = {
        epoch: epoch + 1,
        lr,
        loss: stats.total,
        consistency: stats.consistency,
        entropy: stats.entropy,
        valTotals: ev.heads.map((h) => h.total),
        lowestLossHead: ev.lowestLossHead,
        lowestLoss: ev.lowestLoss,
        improved,
        clusterSizes: sizes,
        valAcc: valEval?.acc,
        seconds: progress.elapsedSeconds(),
      };
      state.history.push(record);
      runLog.event('epoch', { ...record });
      ctx.log(
        `epoch ${epoch + 1}/${c.epochs}: loss ${stats.total.toFixed(4)} (consistency ${stats.consistency.toFixed(4)}, entropy ${stats.entropy.toFixed(4)}) · ` +
          `val head ${ev.lowestLossHead} ${ev.lowestLoss.toFixed(4)}${improved ? ' (best)' : ''}${valEval ? ` · val ACC ${(100 * valEval.acc).toFixed(2)}` : ''} · sizes [${sizes.join(' ')}] · ${record.seconds.toFixed(1)} s`,
      );
      const collapse = collapseMessage(sizes, sizeRows, o.collapseThreshold, c);
      if (collapse) {
        ctx.log(`warning: epoch ${epoch + 1}: ${collapse}`);
        runLog.event('collapse', { epoch: epoch + 1, clusterSizes: sizes });
      }
      await saveHeadCheckpoint(checkpointPath, driver.model, optimizer, checkpointTensors(driver.extras(), best), {
        format: SCAN_CHECKPOINT_FORMAT,
        epoch: epoch + 1,
        seed: c.seed,
        configHash,
        config: identity,
        optimizerIterations: optimizer.iterations,
        state: state as unknown as Record<string, unknown>,
      });
    }

    // --- the kept head: predictions, metrics, outputs ---------------------------------------------
    if (best) loadState(driver.model, best, { source: 'best SCAN weights' });
    const head = Math.max(state.bestHead, 0);
    const predict = async (which: 'train' | 'val') => {
      const probabilities = (await driver.probabilities(which))[head];
      return { ...argmaxRows(probabilities, K), probabilities };
    };
    const trainPred = await predict('train');
    const valPred = sameVal ? undefined : await predict('val');
    const complete = untilEpoch >= c.epochs;
    const finalSizes = clusterSizes(trainPred.cluster, K);
    const collapse = collapseMessage(finalSizes, n, o.collapseThreshold, c);
    if (collapse) warn(collapse);
    const trainEval = evaluateAgainstLabels(trainPred.cluster, trainPred.probabilities, K, train.labels);
    const valEval = valPred ? evaluateAgainstLabels(valPred.cluster, valPred.probabilities, K, val.labels) : trainEval;
    if (complete) {
      Object.assign(outputs, await writeStepOutputs(out, sameVal, train, val, trainPred, valPred, K, trainEval, valEval, 'SCAN'));
      Object.assign(outputs, await driver.writeModel(out, head, { step: 'scan', mode: c.mode, head: String(head), lowest_loss: String(state.bestLoss), config_hash: configHash }));
    }
    outputs.checkpoint = checkpointPath;
    outputs.log = runLog.logPath;
    outputs.summary = runLog.summaryPath;
    const reported = valEval ?? trainEval;
    const summary: ScanSummary = {
      acc: reported?.acc ?? null,
      nmi: reported?.nmi ?? null,
      ari: reported?.ari ?? null,
      manyToOneAcc: reported?.manyToOneAcc ?? null,
      evaluatedOn: valEval ? 'val' : trainEval ? 'train' : null,
      train: metricsOf(trainEval),
      val: metricsOf(valEval),
      head,
      lowestLoss: state.bestLoss,
      bestEpoch: state.bestEpoch,
      epochs: c.epochs,
      epochsCompleted: Math.max(startEpoch, untilEpoch),
      complete,
      seconds: (performance.now() - t0) / 1000,
      numClasses: K,
      numHeads: c.num_heads,
      rows: { train: n, val: val.rows },
      neighborPurity: purity,
      clusterSizes: finalSizes,
      warnings,
      configHash,
      backend,
      outputs,
    };
    runLog.event('done', { acc: summary.acc, head, lowestLoss: state.bestLoss, complete });
    await runLog.summary({ ...summary });
    if (reported) ctx.log(`scan: head ${head} (val loss ${state.bestLoss.toFixed(4)}, epoch ${state.bestEpoch}) · ${summary.evaluatedOn} ACC ${(100 * reported.acc).toFixed(2)} NMI ${(100 * reported.nmi).toFixed(2)} ARI ${(100 * reported.ari).toFixed(2)}`);
    return { summary, history: state.history, train: trainPred, val: valPred, out };
  } finally {
    optimizer.dispose();
    driver.dispose();
  }
}

function checkpointTensors(extras: Map<string, SafetensorsEntry>, best: Map<string, SafetensorsEntry> | undefined): Map<string, SafetensorsEntry> {
  if (best) for (const [name, t] of best) extras.set(`best.${name}`, t);
  return extras;
}

function labelledPurity(t: NeighborTable, set: StepRows): number | undefined {
  if (set.labelled !== set.rows) return undefined;
  return neighborAccuracy(t.indices, t.m, set.labels);
}

export function metricsOf(e: LabelEvaluation | undefined): ClusterMetrics | undefined {
  return e && { acc: e.acc, manyToOneAcc: e.manyToOneAcc, nmi: e.nmi, ari: e.ari, top5: e.top5, labelled: e.labelled };
}

/** The collapse warning with the reference's advice, or undefined. */
export function collapseMessage(sizes: number[], n: number, threshold: number, c: { criterion_kwargs?: { entropy_weight: number } }): string | undefined {
  const max = Math.max(...sizes);
  if (max <= threshold * n) return undefined;
  const cluster = sizes.indexOf(max);
  const w = c.criterion_kwargs?.entropy_weight;
  return (
    `cluster ${cluster} holds ${((100 * max) / n).toFixed(1)} % of the DB (collapse). The reference's advice: raise criterion_kwargs.entropy_weight` +
    `${w === undefined ? '' : ` (now ${w})`} to avoid unbalanced or collapsed clusters, and adapt it when num_classes changes; check the neighbour purity of the features`
  );
}

type Pred = { cluster: Int32Array; confidence: Float32Array; probabilities: Float32Array };

/** predictions(-val).{csv,arrow} and confusion(-train).{csv,svg}; shared by scan and selflabel. */
export async function writeStepOutputs(
  out: string,
  sameVal: boolean,
  train: StepRows,
  val: StepRows,
  trainPred: Pred,
  valPred: Pred | undefined,
  k: number,
  trainEval: LabelEvaluation | undefined,
  valEval: LabelEvaluation | undefined,
  title: string,
): Promise<Record<string, string>> {
  const o: Record<string, string> = {};
  const p = await writePredictions(path.join(out, SCAN_FILES.predictions), train, trainPred.cluster, trainPred.confidence, trainPred.probabilities, k);
  o.predictionsCsv = p.csv;
  o.predictionsArrow = p.arrow;
  if (valPred && !sameVal) {
    const pv = await writePredictions(path.join(out, SCAN_FILES.valPredictions), val, valPred.cluster, valPred.confidence, valPred.probabilities, k);
    o.valPredictionsCsv = pv.csv;
    o.valPredictionsArrow = pv.arrow;
  }
  if (valEval) {
    const cm = await writeConfusion(path.join(out, SCAN_FILES.confusion), valEval, `${title}: ${sameVal ? train.meta.db : val.meta.db}`);
    o.confusionCsv = cm.csv;
    o.confusionSvg = cm.svg;
  }
  if (trainEval && !sameVal) {
    const cm = await writeConfusion(path.join(out, SCAN_FILES.trainConfusion), trainEval, `${title}: ${train.meta.db}`);
    o.trainConfusionCsv = cm.csv;
    o.trainConfusionSvg = cm.svg;
  }
  return o;
}


/**
 * `head_warmup_epochs` (image mode): heads-only SCAN epochs on fixed backbone features, with their
 * own optimiser (the config's, fresh) so the training loop's Adam state starts as without warm-up.
 * Runs only on a fresh start: a resumed run's checkpoint already holds the warmed-up heads, and a run
 * killed during warm-up has no checkpoint and repeats it identically (seeded per epoch).
 */
async function warmUpHeads(warmup: NonNullable<ScanDriver['warmup']>, trainNb: NeighborTable, c: ScanConfig, stepsPerEpoch: number, ctx: StepContext, runLog: RunLog): Promise<void> {
  const optimizer = createOptimizer(c);
  try {
    const progress = ctx.progress(`scan head warm-up (${c.head_warmup_epochs} epochs on fixed features)`, c.head_warmup_epochs * stepsPerEpoch * c.batch_size, 'anchors');
    let last = 0;
    for (let e = 0; e < c.head_warmup_epochs; e++) {
      ctx.signal?.throwIfAborted();
      const stats = await scanTrainEpoch({
        parameters: warmup.parameters(),
        optimizer,
        entropyWeight: c.criterion_kwargs.entropy_weight,
        batches: warmup.batches(trainNb, e),
        onStep: (b, loss) => progress.tick(b, `loss ${loss.toFixed(4)}`),
        signal: ctx.signal,
      });
      last = stats.total;
    }
    ctx.log(`head warm-up: ${c.head_warmup_epochs} epochs on fixed backbone features, loss ${last.toFixed(4)}`);
    runLog.event('warmup', { epochs: c.head_warmup_epochs, loss: last });
  } finally {
    optimizer.dispose();
  }
}
