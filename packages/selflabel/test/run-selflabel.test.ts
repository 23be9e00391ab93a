import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputDataError, OutputPathError, readRunManifest, UsageError } from '@twindb/core-tensors';
import { initBackend } from '@twindb/core-tensors/backend';
import { decodeSafetensors } from '@twindb/core-tensors/nn';
import { runScan } from '@twindb/scan';
import { loadSelflabelConfig, runSelflabel } from '@twindb/selflabel';
import { beforeAll, describe, expect, it } from 'vitest';
import { blobConfig, writeBlobs } from '../../scan/test/synthetic.js';

const quiet = { log: () => undefined };
let dir: string;
let trainFile: string;
let valFile: string;
let scanDir: string;

function slConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    setup: 'selflabel',
    backbone: 'small-cnn',
    train_db: 'mnist:pool',
    val_db: 'mnist:heldout',
    num_classes: 5,
    criterion: 'confidence-cross-entropy',
    criterion_kwargs: { apply_class_balancing: true },
    confidence_threshold: 0.99,
    epochs: 4,
    batch_size: 100,
    optimizer: 'adam',
    optimizer_kwargs: { lr: 0.001, weight_decay: 0.0001 },
    scheduler: 'constant',
    min_confident_per_cluster: 2,
    feature_noise: 0.1,
    ...over,
  };
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  dir = mkdtempSync(path.join(tmpdir(), 'twindb-selflabel-'));
  trainFile = path.join(dir, 'train.arrow');
  valFile = path.join(dir, 'val.arrow');
  await writeBlobs(trainFile, { n: 500, seed: 'train' });
  await writeBlobs(valFile, { n: 200, seed: 'val' });
  scanDir = path.join(dir, 'scan');
  await runScan({ config: blobConfig({ epochs: 10 }), features: trainFile, valFeatures: valFile, out: scanDir }, quiet);
});

describe('runSelflabel (frozen features)', () => {
  it('fine-tunes the SCAN head, compares label-free with SCAN and writes the outputs', async () => {
    const out = path.join(dir, 'sl');
    const r = await runSelflabel({ config: slConfig(), scan: scanDir, features: trainFile, valFeatures: valFile, out }, quiet);
    const s = r.summary;
    expect(s.acc).toBeGreaterThanOrEqual(0.9);
    expect(['selflabel', 'scan']).toContain(s.kept);
    expect(s.keptReason).toMatch(/neighbour agreement/);
    expect(s.kept === 'scan').toBe(s.criterion.selflabel.neighborAgreement < s.criterion.scan.neighborAgreement);
    expect(s.criterion.selflabel.scanLoss).toBeLessThan(0);
    expect(r.history).toHaveLength(4);
    expect(r.history[0].maskedPerCluster).toHaveLength(5);
    for (const f of ['predictions.csv', 'predictions.arrow', 'predictions-val.csv', 'confusion.csv', 'confusion.svg', 'selflabel.summary.json', 'model.safetensors', 'checkpoint.safetensors']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
  });

  it('skips and counts batches without a confident row', async () => {
    const r = await runSelflabel(
      { config: slConfig({ confidence_threshold: 0.999999, min_confident_per_cluster: 0, epochs: 1 }), scan: scanDir, features: trainFile, valFeatures: valFile, out: path.join(dir, 'skip') },
      quiet,
    );
    expect(r.summary.skippedBatches).toBeGreaterThan(0);
    expect(r.history[0].skippedBatches + r.history[0].steps).toBe(5);
  });

  it('resumes bit-identically, and refuses a changed config naming the key', async () => {
    const a = path.join(dir, 'sl-a');
    const b = path.join(dir, 'sl-b');
    const opts = { config: slConfig({ use_ema: true, ema_alpha: 0.9 }), scan: scanDir, features: trainFile, valFeatures: valFile };
    await runSelflabel({ ...opts, out: a, keep: 'selflabel' }, quiet);
    await runSelflabel({ ...opts, out: b, keep: 'selflabel', untilEpoch: 2 }, quiet);
    await expect(runSelflabel({ ...opts, config: slConfig({ use_ema: true, ema_alpha: 0.5 }), out: b, keep: 'selflabel', resume: true }, quiet)).rejects.toThrow(/ema_alpha: 0.9 → 0.5/);
    await runSelflabel({ ...opts, out: b, keep: 'selflabel', resume: true }, quiet);
    expect(Buffer.compare(readFileSync(path.join(a, 'model.safetensors')), readFileSync(path.join(b, 'model.safetensors')))).toBe(0);
    const ta = decodeSafetensors(readFileSync(path.join(a, 'checkpoint.safetensors')), 'test').tensors;
    const tb = decodeSafetensors(readFileSync(path.join(b, 'checkpoint.safetensors')), 'test').tensors;
    for (const [name, t] of ta) expect(Buffer.from(tb.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  });

  it('refuses a foreign --out before any compute, naming it, and leaves its files as they were', async () => {
    const opts = { config: slConfig({ epochs: 1 }), scan: scanDir, features: trainFile, valFeatures: valFile };
    const foreign = path.join(dir, 'foreign');
    mkdirSync(foreign);
    const mine = path.join(foreign, 'model.safetensors');
    writeFileSync(mine, 'my own weights');
    const before = readFileSync(mine);
    const err = await runSelflabel({ ...opts, out: foreign }, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputPathError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toContain(`--out ${foreign} is not a twindb selflabel folder (no .twindb-run.json; it holds model.safetensors)`);
    expect(readdirSync(foreign)).toEqual(['model.safetensors']);
    expect(readFileSync(mine).equals(before)).toBe(true);
    // SCAN's own folder (another command's, and the input) is refused too
    await expect(runSelflabel({ ...opts, out: scanDir }, quiet)).rejects.toThrow(new RegExp(`--out ${scanDir} holds the input ${scanDir}`));
    await expect(runSelflabel({ ...opts, scan: path.join(scanDir, 'model.safetensors'), out: scanDir }, quiet)).rejects.toThrow(/holds the input .*model\.safetensors/);
  });

  it('writes .twindb-run.json listing every file of its folder, and resumes its own folder', async () => {
    const opts = { config: slConfig({ epochs: 2 }), scan: scanDir, features: trainFile, valFeatures: valFile };
    const out = path.join(dir, 'owned');
    await runSelflabel({ ...opts, out, untilEpoch: 1 }, quiet);
    await expect(runSelflabel({ ...opts, out }, quiet)).rejects.toThrow(/checkpoint\.safetensors exists: pass resume/);
    const r = await runSelflabel({ ...opts, out, resume: true }, quiet);
    expect(r.summary.complete).toBe(true);
    const m = await readRunManifest(out);
    expect(m).toMatchObject({ tool: 'twindb', command: 'selflabel' });
    const written = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f !== '.twindb-run.json');
    expect(written.filter((f) => !m!.files.includes(f))).toEqual([]);
    expect(await readRunManifest(scanDir)).toMatchObject({ command: 'scan' });
  });

  it('refuses bad inputs', async () => {
    const out = path.join(dir, 'bad');
    const base = { scan: scanDir, features: trainFile, out };
    await expect(runSelflabel({ ...base, config: slConfig({ num_classes: 6 }) }, quiet)).rejects.toThrow(UsageError);
    await expect(runSelflabel({ ...base, config: slConfig({ num_heads: 2 }) }, quiet)).rejects.toThrow(/num_heads/);
    await expect(runSelflabel({ ...base, config: slConfig({ use_ema: true }) }, quiet)).rejects.toThrow(/ema_alpha: missing/);
    await expect(runSelflabel({ ...base, config: slConfig({ confidence_treshold: 0.9 }) }, quiet)).rejects.toThrow(/unknown key/);
    await expect(runSelflabel({ ...base, config: slConfig(), scan: path.join(dir, 'nowhere') }, quiet)).rejects.toThrow(InputDataError);
    const dim8 = path.join(dir, 'dim8.arrow');
    await writeBlobs(dim8, { n: 200, dim: 8 });
    await expect(runSelflabel({ ...base, config: slConfig(), features: dim8 }, quiet)).rejects.toThrow(/takes 16-d features .* dim 8/);
  });

  it('loads the shipped configs', async () => {
    const root = path.resolve(__dirname, '../../../configs/selflabel');
    for (const f of ['selflabel_mnist.yml', 'selflabel_mnist-0-4.yml']) {
      const c = await loadSelflabelConfig(path.join(root, f));
      expect(c.confidence_threshold).toBe(0.99);
      expect(c.criterion_kwargs.apply_class_balancing).toBe(true);
    }
  });
});
