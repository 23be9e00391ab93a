import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FeatureWriter, readRunManifest, Rng } from '@twindb/core-tensors';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../program.js';

/** `twindb <args>` through `run`, as the executable calls it: exit code, stdout, stderr. */
async function twindb(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  try {
    return { code: await run(['node', 'twindb', '--backend', 'cpu', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Four labelled blobs on the unit sphere in 12-d, as `twindb extract` would write them. */
async function blobs(file: string, n: number, seed: string): Promise<void> {
  const dim = 12;
  const centres = new Rng('cli-scan:centres');
  const c = Array.from({ length: 4 }, () => Array.from({ length: dim }, () => centres.normal()));
  const rng = new Rng(seed);
  const emb = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const v = c[i % 4].map((x) => x + 0.3 * rng.normal());
    const norm = Math.hypot(...v);
    v.forEach((x, j) => (emb[i * dim + j] = x / norm));
  }
  const w = await FeatureWriter.create(file, { encoder: 'synthetic', dim, normalized: true, db: `blobs:${seed}` });
  await w.appendBatch({ ids: Array.from({ length: n }, (_, i) => `${seed}-${i}`), paths: Array.from({ length: n }, () => null), labels: Array.from({ length: n }, (_, i) => i % 4), embeddings: emb });
  await w.close();
}

/** An 8×8 grey → 8-d random linear encoder, as a pretext run's encoder.onnx (metadata as `twindb pretext` writes it). */
function writeEncoder(file: string): void {
  const rng = new Rng('cli-scan:encoder');
  const g = new OnnxGraphBuilder('tiny');
  g.input('pixels', ['batch', 8, 8, 1]);
  const flat = g.node('Flatten', ['pixels'], { axis: 1 });
  g.node('MatMul', [flat, g.initializer('w', Float32Array.from({ length: 64 * 8 }, () => rng.normal()), [64, 8])], {}, 'features');
  g.output('features', ['batch', 8]);
  writeFileSync(file, g.toBytes({ 'twindb.layout': 'NHWC', 'twindb.input_shape': '[8,8,1]', 'twindb.normalize_mean': '[0.5]', 'twindb.normalize_std': '[0.25]' }));
}

// YAML is a superset of JSON: the configs are written as JSON text.
const common = { backbone: 'small-cnn', train_db: 'mnist:pool', val_db: 'mnist:heldout', num_classes: 4, optimizer: 'adam', scheduler: 'constant', seed: 0 };
const scanConfig = { ...common, setup: 'scan', num_heads: 2, num_neighbors: 8, criterion: 'scan', criterion_kwargs: { entropy_weight: 5 }, epochs: 12, batch_size: 64, optimizer_kwargs: { lr: 0.003 } };
const selflabelConfig = {
  ...common,
  setup: 'selflabel',
  criterion: 'confidence-cross-entropy',
  criterion_kwargs: { apply_class_balancing: true },
  confidence_threshold: 0.99,
  epochs: 3,
  batch_size: 64,
  optimizer_kwargs: { lr: 0.001 },
};

describe('twindb scan and twindb selflabel', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-scan-'));
  const scanYml = path.join(dir, 'scan_blobs.yml');
  const slYml = path.join(dir, 'selflabel_blobs.yml');
  writeFileSync(scanYml, JSON.stringify(scanConfig));
  writeFileSync(slYml, JSON.stringify(selflabelConfig));

  it('cluster a feature file and label it; --json carries acc on the labelled val DB', async () => {
    await blobs(path.join(dir, 'train.arrow'), 400, 'train');
    await blobs(path.join(dir, 'val.arrow'), 160, 'val');
    const scan = await twindb('scan', '--config_exp', scanYml, '--features', path.join(dir, 'train.arrow'), '--val-features', path.join(dir, 'val.arrow'), '--out', path.join(dir, 'scan'), '--json');
    expect(scan.code, scan.err).toBe(0);
    const s = JSON.parse(scan.out) as { acc: number; evaluatedOn: string; head: number };
    expect(s.evaluatedOn).toBe('val');
    expect(s.acc).toBeGreaterThan(0.9); // chance is 0.25
    const sl = await twindb('selflabel', '--config-exp', slYml, '--scan', path.join(dir, 'scan'), '--features', path.join(dir, 'train.arrow'), '--val-features', path.join(dir, 'val.arrow'), '--out', path.join(dir, 'selflabel'), '--json');
    expect(sl.code, sl.err).toBe(0);
    const l = JSON.parse(sl.out) as { acc: number; kept: string };
    expect(['scan', 'selflabel']).toContain(l.kept);
    expect(l.acc).toBeGreaterThan(0.9);
    expect(await readRunManifest(path.join(dir, 'scan'))).toMatchObject({ command: 'scan' });
    expect(await readRunManifest(path.join(dir, 'selflabel'))).toMatchObject({ command: 'selflabel' });
  }, 120_000);

  it('--pretext embeds the DBs into <out>/features/ (the folder\'s own, listed in its manifest); a rerun resumes that folder', async () => {
    const pretext = path.join(dir, 'pretext-tiny');
    mkdirSync(pretext);
    writeEncoder(path.join(pretext, 'encoder.onnx'));
    const yml = path.join(dir, 'scan_digits.yml');
    writeFileSync(yml, JSON.stringify({ ...scanConfig, train_db: 'mnist:pool?classes=0-3&n=200', val_db: 'mnist:heldout?classes=0-3&n=80', epochs: 2 }));
    const out = path.join(dir, 'scan-pretext');
    const first = await twindb('scan', '--config-exp', yml, '--pretext', pretext, '--out', out, '--until-epoch', '1');
    expect(first.code, first.err).toBe(0);
    expect(existsSync(path.join(out, 'features', 'train.arrow'))).toBe(true);
    expect((await readRunManifest(out))?.files).toContain('features/');
    const again = await twindb('scan', '--config-exp', yml, '--pretext', pretext, '--out', out, '--resume', '--json');
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ complete: true, epochsCompleted: 2 });
    const sl = await twindb('selflabel', '--config-exp', slYml, '--scan', out, '--out', path.join(dir, 'selflabel-pretext'), '--until-epoch', '1');
    expect(sl.code, sl.err).toBe(0);
  }, 120_000);

  it('exit 2 before any compute (the embedding of --pretext included) for a foreign --out, naming it; its files stay as they were', async () => {
    const foreign = path.join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'prototypes.png'), 'my own picture');
    const pretext = path.join(dir, 'pretext-run');
    mkdirSync(pretext);
    writeFileSync(path.join(pretext, 'encoder.onnx'), 'never read: the out folder is refused first');
    for (const args of [
      ['scan', '--config-exp', scanYml, '--pretext', pretext, '--out', foreign],
      ['selflabel', '--config-exp', slYml, '--scan', path.join(dir, 'scan'), '--pretext', pretext, '--out', foreign],
    ]) {
      const r = await twindb(...args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(`--out ${foreign} is not a twindb ${args[0]} folder (no .twindb-run.json; it holds prototypes.png)`);
      expect(readdirSync(foreign)).toEqual(['prototypes.png']);
      expect(readFileSync(path.join(foreign, 'prototypes.png'), 'utf8')).toBe('my own picture');
    }
    expect(existsSync(path.join(foreign, 'features'))).toBe(false);
  });

  it('exit 2 without features or a pretext run, exit 3 for a pretext folder without an encoder', async () => {
    const none = await twindb('scan', '--config-exp', scanYml, '--out', path.join(dir, 'none'));
    expect(none.code).toBe(2);
    expect(none.err).toContain('--features or --pretext is required');
    const bad = await twindb('scan', '--config-exp', scanYml, '--pretext', dir, '--out', path.join(dir, 'bad'));
    expect(bad.code).toBe(3);
    expect(bad.err).toContain(`--pretext ${dir}: no encoder.onnx`);
  });
});
