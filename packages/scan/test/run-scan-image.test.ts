import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, UsageError } from '@twindb/core-tensors';
import { initBackend, OrtSyncSession, ortAvailability } from '@twindb/core-tensors/backend';
import { decodeSafetensors, loadState, readState } from '@twindb/core-tensors/nn';
import {
  CLASSIFIER_INPUT,
  CLASSIFIER_OUTPUT,
  classifierProbabilities,
  classifierToOnnx,
  createClusteringModel,
  loadPretextBackbone,
  readClusterModel,
  readPretextRun,
  runScan,
} from '@twindb/scan';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyImageScanConfig, writeTinyPretextRun } from './image-fixture.js';

const quiet = { log: () => undefined };
let dir: string;
let pretext: string;

beforeAll(async () => {
  // wasm with twindb's training kernels (the cpu backend takes ~10 s a step here); one pinned conv form keeps results bit-identical.
  await initBackend({ backend: 'wasm', convMethod: 'direct' });
  dir = mkdtempSync(path.join(tmpdir(), 'twindb-scan-image-'));
  pretext = writeTinyPretextRun(path.join(dir, 'pretext'));
});

describe('image-mode SCAN: weight hand-over (§4.8)', () => {
  it('loads the backbone (weights and BN buffers) from the pretext run, leaves the contrastive head out and the heads fresh', () => {
    const run = readPretextRun(pretext, 'small-cnn');
    const model = createClusteringModel(run, 3, 2, new Rng('t'));
    const fresh = readState(model.clusterHead);
    const report = loadPretextBackbone(model, run);
    expect(report.loaded.length).toBeGreaterThan(0);
    for (const [name, t] of readState(model.backbone, 'backbone.')) expect(Array.from(t.data), name).toEqual(Array.from(run.tensors.get(name)!.data));
    expect(report.loaded.some((n) => n.endsWith('running_var'))).toBe(true);
    for (const [name, t] of readState(model.clusterHead)) expect(Array.from(t.data), name).toEqual(Array.from(fresh.get(name)!.data));
    model.dispose();
  });

  it('refuses a pretext run whose backbone differs from the config, naming both', async () => {
    const other = writeTinyPretextRun(path.join(dir, 'pretext-resnet'), { backbone: 'resnet18' });
    const run = runScan({ config: tinyImageScanConfig(), pretext: other, out: path.join(dir, 'mismatch') }, quiet);
    await expect(run).rejects.toThrow(UsageError);
    await expect(runScan({ config: tinyImageScanConfig(), pretext: other, out: path.join(dir, 'mismatch2') }, quiet)).rejects.toThrow(/"small-cnn".*"resnet18"/);
    await expect(runScan({ config: tinyImageScanConfig(), out: path.join(dir, 'nopretext') }, quiet)).rejects.toThrow(/pretext/);
  });
});

describe('image-mode SCAN', () => {
  it('learns above chance on 200 digits 0/1, fine-tuning the backbone, and writes model + classifier.onnx', async () => {
    const out = path.join(dir, 'scan');
    const r = await runScan({ config: tinyImageScanConfig(), pretext, out }, quiet);
    expect(r.summary.complete).toBe(true);
    expect(r.summary.evaluatedOn).toBe('val');
    expect(r.summary.acc).toBeGreaterThan(0.8);
    for (const f of ['model.safetensors', 'classifier.onnx', 'predictions.csv', 'predictions-val.arrow', 'neighbors.arrow', 'confusion.svg', 'scan.log.jsonl']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const m = await readClusterModel(path.join(out, 'model.safetensors'), 'scan');
    expect([...m.tensors.keys()].filter((k) => k.startsWith('cluster_head.')).sort()).toEqual(['cluster_head.0.bias', 'cluster_head.0.weight']);
    expect(m.spec.inputShape).toEqual([10, 10, 1]);
    // The backbone was trained: it no longer equals the pretext run's.
    const run = readPretextRun(pretext, 'small-cnn');
    const w = 'backbone.conv1.weight';
    expect(Array.from(m.tensors.get(w)!.data)).not.toEqual(Array.from(run.tensors.get(w)!.data));
  });

  it('standardises the heads\' input with the pretext backbone\'s statistics (standardize_features, default true), fixed during training; false = the reference', async () => {
    const m = await readClusterModel(path.join(dir, 'scan', 'model.safetensors'), 'scan');
    // The statistics written are the pretext backbone's on train_db, with training-mode batch norm over
    // batches of batch_size (what the heads see while the backbone trains): recompute them.
    const run = readPretextRun(pretext, 'small-cnn');
    const ref = createClusteringModel(run, 2, 1, new Rng('ref'), { featureNorm: true });
    loadPretextBackbone(ref, run);
    const { openImageInputs, backboneFeatures } = await import('../src/image/image-data.js');
    const inputs = await openImageInputs(tinyImageScanConfig() as { train_db: unknown }, run, () => undefined);
    const before = ref.backbone.buffers().map((b) => Array.from(b.dataSync()));
    ref.featureNorm!.fit(await backboneFeatures(ref, inputs.train, inputs.valTransform, { training: true, chunk: 32 }));
    // Computing them leaves the BN running statistics as they were.
    expect(ref.backbone.buffers().map((b) => Array.from(b.dataSync()))).toEqual(before);
    expect(Array.from(m.tensors.get('feature_norm.mean')!.data)).toEqual(Array.from(ref.featureNorm!.mean.dataSync()));
    expect(Array.from(m.tensors.get('feature_norm.std')!.data)).toEqual(Array.from(ref.featureNorm!.std.dataSync()));
    ref.dispose();
    const raw = path.join(dir, 'scan-raw');
    await runScan({ config: tinyImageScanConfig({ standardize_features: false, epochs: 1 }), pretext, out: raw }, quiet);
    const r = await readClusterModel(path.join(raw, 'model.safetensors'), 'scan');
    expect(r.featureNorm).toBe(false);
    expect([...r.tensors.keys()].some((k) => k.startsWith('feature_norm.'))).toBe(false);
  });

  it('resumes exactly: 3 epochs + resume = 6 epochs in one go, bit for bit', async () => {
    const a = path.join(dir, 'scan');
    const b = path.join(dir, 'scan-resumed');
    await runScan({ config: tinyImageScanConfig(), pretext, out: b, untilEpoch: 3 }, quiet);
    expect(existsSync(path.join(b, 'model.safetensors'))).toBe(false);
    const r = await runScan({ config: tinyImageScanConfig(), pretext, out: b, resume: true }, quiet);
    expect(r.summary.complete).toBe(true);
    expect(Buffer.compare(readFileSync(path.join(a, 'model.safetensors')), readFileSync(path.join(b, 'model.safetensors')))).toBe(0);
    expect(Buffer.compare(readFileSync(path.join(a, 'predictions.csv')), readFileSync(path.join(b, 'predictions.csv')))).toBe(0);
  });

  it('head warm-up (head_warmup_epochs): heads train on the fixed features before epoch 1, once; resume stays exact', async () => {
    const cfg = tinyImageScanConfig({ head_warmup_epochs: 3, epochs: 2 });
    const a = path.join(dir, 'scan-warm');
    const b = path.join(dir, 'scan-warm-resumed');
    const r = await runScan({ config: cfg, pretext, out: a }, quiet);
    const events = readFileSync(path.join(a, 'scan.log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; epochs?: number });
    expect(events.filter((e) => e.event === 'warmup')).toEqual([expect.objectContaining({ epochs: 3 })]);
    expect(r.summary.complete).toBe(true);
    // The warm-up changed the heads the image epochs start from.
    const cold = path.join(dir, 'scan-cold');
    await runScan({ config: tinyImageScanConfig({ epochs: 2 }), pretext, out: cold }, quiet);
    expect(Buffer.compare(readFileSync(path.join(a, 'model.safetensors')), readFileSync(path.join(cold, 'model.safetensors')))).not.toBe(0);
    await runScan({ config: cfg, pretext, out: b, untilEpoch: 1 }, quiet);
    await runScan({ config: cfg, pretext, out: b, resume: true }, quiet);
    const resumed = readFileSync(path.join(b, 'scan.log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(resumed.filter((e) => e.event === 'warmup')).toHaveLength(1);
    expect(Buffer.compare(readFileSync(path.join(a, 'model.safetensors')), readFileSync(path.join(b, 'model.safetensors')))).toBe(0);
  });

  it('head-only mode (update_cluster_head_only) keeps the pretext backbone', async () => {
    const out = path.join(dir, 'scan-heads');
    await runScan({ config: tinyImageScanConfig({ update_cluster_head_only: true, epochs: 1 }), pretext, out }, quiet);
    const m = decodeSafetensors(readFileSync(path.join(out, 'model.safetensors')), 'm').tensors;
    const run = readPretextRun(pretext, 'small-cnn');
    for (const name of ['backbone.conv1.weight', 'backbone.bn1.running_mean']) expect(Array.from(m.get(name)!.data), name).toEqual(Array.from(run.tensors.get(name)!.data));
  });

  it.skipIf(!ortAvailability().ok)('classifier.onnx matches tfjs probabilities within 1e-4', async () => {
    const m = await readClusterModel(path.join(dir, 'scan', 'model.safetensors'), 'scan');
    // The default run standardises the heads' input: the export must carry that Sub/Div too.
    expect(m.featureNorm).toBe(true);
    const model = createClusteringModel(m.spec, m.numClasses, 1, new Rng('parity'), { featureNorm: m.featureNorm });
    loadState(model, m.tensors, { source: 'model' });
    // The written classifier.onnx against the tfjs model rebuilt from model.safetensors.
    const bytes = new Uint8Array(readFileSync(path.join(dir, 'scan', 'classifier.onnx')));
    expect(classifierToOnnx(model, 0, m.spec).length).toBeGreaterThan(0);
    const rng = new Rng('x');
    const x = Float32Array.from({ length: 8 * 100 }, () => rng.normal());
    const session = new OrtSyncSession(bytes);
    const got = session.run({ [CLASSIFIER_INPUT]: { data: x, dims: [8, 10, 10, 1] } }, [CLASSIFIER_OUTPUT])[CLASSIFIER_OUTPUT];
    const want = tf.tidy(() => classifierProbabilities(model, 0, tf.tensor4d(x, [8, 10, 10, 1])).dataSync() as Float32Array);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    session.dispose();
    model.dispose();
  });
});
