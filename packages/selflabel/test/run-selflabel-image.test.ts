import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '@twindb/core-tensors/backend';
import { runScan } from '@twindb/scan';
import { runSelflabel } from '@twindb/selflabel';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_AUGMENT, TINY_TRANSFORM, tinyImageScanConfig, writeTinyPretextRun } from '../../scan/test/image-fixture.js';

const quiet = { log: () => undefined };
let dir: string;
let scan: string;

function slImageConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    setup: 'selflabel',
    mode: 'image',
    backbone: 'small-cnn',
    train_db: 'mnist:pool?classes=0-1&n=200',
    val_db: 'mnist:heldout?classes=0-1&n=100',
    num_classes: 2,
    criterion: 'confidence-cross-entropy',
    criterion_kwargs: { apply_class_balancing: true },
    confidence_threshold: 0.9,
    epochs: 3,
    batch_size: 32,
    optimizer: 'adam',
    optimizer_kwargs: { lr: 0.0001, weight_decay: 0.0001 },
    scheduler: 'constant',
    transformation_kwargs: TINY_TRANSFORM,
    ...TINY_AUGMENT,
    augmentation_kwargs: { ...TINY_AUGMENT.augmentation_kwargs, cutout_kwargs: { n_holes: 1, length: 4 } },
    ...over,
  };
}

beforeAll(async () => {
  // wasm with twindb's training kernels; one pinned conv form keeps results bit-identical.
  await initBackend({ backend: 'wasm', convMethod: 'direct' });
  dir = mkdtempSync(path.join(tmpdir(), 'twindb-selflabel-image-'));
  const pretext = writeTinyPretextRun(path.join(dir, 'pretext'));
  scan = path.join(dir, 'scan');
  await runScan({ config: tinyImageScanConfig(), pretext, out: scan }, quiet);
}, 120_000);

describe('image-mode self-labelling', () => {
  it('fine-tunes SCAN backbone + head on weak/strong views, compares label-free and writes model + classifier.onnx', async () => {
    const out = path.join(dir, 'sl');
    const r = await runSelflabel({ config: slImageConfig(), scan, out }, quiet);
    const s = r.summary;
    expect(s.complete).toBe(true);
    expect(['selflabel', 'scan']).toContain(s.kept);
    expect(s.keptReason.length).toBeGreaterThan(10);
    expect(s.acc).toBeGreaterThan(0.8);
    expect(r.history.every((h) => h.steps + h.skippedBatches === 6)).toBe(true);
    for (const f of ['model.safetensors', 'classifier.onnx', 'predictions.csv', 'predictions-val.arrow', 'selflabel.log.jsonl']) expect(existsSync(path.join(out, f)), f).toBe(true);
  });

  it('resumes exactly: 1 epoch + resume = 3 epochs in one go, bit for bit', async () => {
    const a = path.join(dir, 'sl');
    const b = path.join(dir, 'sl-resumed');
    await runSelflabel({ config: slImageConfig(), scan, out: b, untilEpoch: 1 }, quiet);
    await runSelflabel({ config: slImageConfig(), scan, out: b, resume: true }, quiet);
    expect(Buffer.compare(readFileSync(path.join(a, 'model.safetensors')), readFileSync(path.join(b, 'model.safetensors')))).toBe(0);
  });

  it('skips and counts a batch with no row above the threshold (guard off), keeping SCAN unchanged', async () => {
    const out = path.join(dir, 'sl-skip');
    const r = await runSelflabel({ config: slImageConfig({ confidence_threshold: 0.999999, min_confident_per_cluster: 0, epochs: 1 }), scan, out }, quiet);
    expect(r.summary.skippedBatches).toBe(6);
    expect(r.history[0].steps).toBe(0);
    expect(r.summary.warnings.join(' ')).toMatch(/6 batch\(es\) had no row above confidence_threshold/);
  });

  it('refuses a SCAN model of another backbone, naming both', async () => {
    await expect(runSelflabel({ config: slImageConfig({ backbone: 'resnet18' }), scan, out: path.join(dir, 'sl-bad') }, quiet)).rejects.toThrow(/"resnet18".*"small-cnn"/);
  });
});
