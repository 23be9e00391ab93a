import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { Adam, loadState, readState, readTrainingCheckpoint, restoreTrainingCheckpoint, saveTrainingCheckpoint, SmallCnn, type SafetensorsEntry } from '@twindb/core-tensors/nn';
import { ContrastiveModel, simclrStep, type ViewBatch } from '@twindb/pretext';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../test-backend.js';

beforeAll(() => useBackend('wasm'));

const model = (seed: string, featuresDim = 8) => {
  const rng = new Rng(seed);
  return new ContrastiveModel(new SmallCnn({ rng }), { head: 'mlp', featuresDim, rng });
};

function views(seed: string): ViewBatch {
  const rng = new Rng(seed);
  const shape: ViewBatch['shape'] = [4, 8, 8, 1];
  const make = () => Float32Array.from({ length: 4 * 64 }, () => rng.normal());
  return { image: make(), augmented: make(), shape };
}

const values = (state: Map<string, SafetensorsEntry>) => new Map([...state].map(([k, v]) => [k, Array.from(v.data)]));

describe('state loading', () => {
  it('uses PyTorch state-dict names for the contrastive model', () => {
    const m = model('names');
    const names = [...readState(m).keys()];
    expect(names).toContain('backbone.conv1.weight');
    expect(names).toContain('backbone.bn3.running_var');
    expect(names.filter((n) => n.startsWith('contrastive_head.'))).toEqual([
      'contrastive_head.0.weight',
      'contrastive_head.0.bias',
      'contrastive_head.2.weight',
      'contrastive_head.2.bias',
    ]);
    const linear = new ContrastiveModel(new SmallCnn({ rng: new Rng(1) }), { head: 'linear', featuresDim: 8, rng: new Rng(2) });
    expect([...readState(linear).keys()].filter((n) => n.startsWith('contrastive_head.'))).toEqual(['contrastive_head.weight', 'contrastive_head.bias']);
    m.dispose();
    linear.dispose();
  });

  it('refuses partial loads, naming missing, unexpected and reshaped tensors, and changes nothing', () => {
    const source = readState(model('src'));
    const target = model('dst');
    const before = values(readState(target));
    const missing = new Map(source);
    missing.delete('backbone.bn2.running_mean');
    expect(() => loadState(target, missing, { source: 'a.safetensors' })).toThrow(
      /a\.safetensors: refusing a partial load into ContrastiveModel \(1 missing: backbone\.bn2\.running_mean\)/,
    );
    const extra = new Map(source).set('cluster_head.0.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    expect(() => loadState(target, extra, { source: 'b' })).toThrow(/1 unexpected: cluster_head\.0\.weight/);
    const otherHead = readState(model('src16', 16));
    expect(() => loadState(target, otherHead, { source: 'c' })).toThrow(/2 with another shape: contrastive_head\.2\.weight \[128,8\] vs file \[128,16\]/);
    expect(values(readState(target))).toEqual(before);
    // An explicitly allowed extra (e.g. a head the caller does not want) is reported, not refused.
    const report = loadState(target, extra, { source: 'b', allowUnexpected: (n) => n.startsWith('cluster_head.') });
    expect(report.ignored).toEqual(['cluster_head.0.weight']);
    expect(values(readState(target))).toEqual(values(source));
    target.dispose();
  });
});

describe('training checkpoint', () => {
  it('restores weights, batch-norm buffers and Adam state so that training continues identically', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pretext-ckpt-'));
    const file = path.join(dir, 'checkpoint.safetensors');
    const a = model('run');
    const optA = new Adam({ lr: 0.01, weight_decay: 1e-4 });
    simclrStep(a, optA, views('b1'), 0.1);
    simclrStep(a, optA, views('b2'), 0.1);
    const info = { epoch: 2, seed: 5, configHash: 'h', config: { lr: 0.01 }, optimizer: 'adam', optimizerIterations: optA.iterations, loss: 1.5 };
    await saveTrainingCheckpoint(file, a, optA, info);

    const ckpt = await readTrainingCheckpoint(file);
    expect(ckpt.info).toEqual(info);
    const slots = [...ckpt.tensors.keys()].filter((n) => n.startsWith('optimizer.'));
    expect(slots).toContain('optimizer.backbone.conv1.weight/m');
    expect(slots).toContain('optimizer.contrastive_head.2.bias/v');
    expect(slots).toHaveLength(2 * a.parameters().length);

    const b = model('another-init');
    const optB = new Adam({ lr: 0.01, weight_decay: 1e-4 });
    restoreTrainingCheckpoint(ckpt, b, optB);
    expect(values(readState(b))).toEqual(values(readState(a)));
    expect(optB.iterations).toBe(2);

    const before = tf.memory().numTensors;
    simclrStep(a, optA, views('b3'), 0.1);
    simclrStep(b, optB, views('b3'), 0.1);
    expect(values(readState(b))).toEqual(values(readState(a)));
    expect(tf.memory().numTensors).toBe(before);
    [a, b, optA, optB].forEach((x) => x.dispose());
  });

  it('refuses optimizer state for tensors the model does not have', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pretext-ckpt-'));
    const file = path.join(dir, 'c.safetensors');
    const a = model('x');
    const opt = new Adam({ lr: 0.01 });
    simclrStep(a, opt, views('b'), 0.1);
    await saveTrainingCheckpoint(file, a, opt, { epoch: 1, seed: 0, configHash: 'h', config: {}, optimizer: 'adam', optimizerIterations: 1 });
    const ckpt = await readTrainingCheckpoint(file);
    const t = ckpt.tensors.get('optimizer.backbone.conv1.weight/m')!;
    ckpt.tensors.set('optimizer.backbone.conv9.weight/m', t);
    const b = model('y');
    const before = values(readState(b));
    expect(() => restoreTrainingCheckpoint(ckpt, b, new Adam({ lr: 0.01 }))).toThrow(/optimizer state for tensors the model does not train: optimizer\.backbone\.conv9\.weight\/m/);
    expect(values(readState(b))).toEqual(before);
    [a, b, opt].forEach((x) => x.dispose());
  });
});
