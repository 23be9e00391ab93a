import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { claimRunFolder, InputDataError, OutputPathError, readRunManifest, UsageError } from '@twindb/core-tensors';
import { initBackend } from '@twindb/core-tensors/backend';
import { decodeSafetensors } from '@twindb/core-tensors/nn';
import { loadScanConfig, runScan } from '@twindb/scan';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { blobConfig, writeBlobs } from './synthetic.js';

const quiet = { log: () => undefined };
let dir: string;
let trainFile: string;
let valFile: string;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  dir = mkdtempSync(path.join(tmpdir(), 'twindb-scan-'));
  trainFile = path.join(dir, 'train.arrow');
  valFile = path.join(dir, 'val.arrow');
  await writeBlobs(trainFile, { n: 500, seed: 'train' });
  await writeBlobs(valFile, { n: 200, seed: 'val' });
});

describe('runScan (frozen features)', () => {
  it('clusters 5 well-separated Gaussian blobs with high Hungarian accuracy and writes every output', async () => {
    const out = path.join(dir, 'run');
    const r = await runScan({ config: blobConfig(), features: trainFile, valFeatures: valFile, out }, quiet);
    const s = r.summary;
    expect(s.evaluatedOn).toBe('val');
    expect(s.acc).toBeGreaterThanOrEqual(0.9);
    expect(s.train!.acc).toBeGreaterThanOrEqual(0.9);
    expect(s.neighborPurity.train).toBeGreaterThan(0.9);
    expect(s.head).toBeGreaterThanOrEqual(0);
    expect(s.lowestLoss).toBeLessThan(0);
    for (const f of ['predictions.csv', 'predictions.arrow', 'predictions-val.csv', 'predictions-val.arrow', 'neighbors.arrow', 'neighbors-val.arrow', 'confusion.csv', 'confusion.svg', 'scan.summary.json', 'scan.log.jsonl', 'model.safetensors', 'checkpoint.safetensors']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const preds = tableFromIPC(readFileSync(path.join(out, 'predictions.arrow')));
    expect(preds.numRows).toBe(500);
    expect(preds.schema.fields.map((f) => f.name)).toEqual(['id', 'path', 'label', 'cluster', 'confidence', 'probabilities']);
    const nb = tableFromIPC(readFileSync(path.join(out, 'neighbors.arrow')));
    expect(nb.get(0)!.toJSON().neighbor_rows.toArray()[0]).toBe(0); // self in column 0
    expect(nb.get(0)!.toJSON().neighbor_rows.length).toBe(11);
    const model = decodeSafetensors(readFileSync(path.join(out, 'model.safetensors')), 'test');
    expect([...model.tensors.keys()].sort()).toEqual(['cluster_head.0.bias', 'cluster_head.0.weight', 'standardize.mean', 'standardize.std']);
    const epochs = readFileSync(path.join(out, 'scan.log.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"event":"epoch"'));
    expect(epochs).toHaveLength(15);
    expect(JSON.parse(epochs[0]).clusterSizes).toHaveLength(5);
  });

  it('resumes bit-identically after stopping at epoch 2', async () => {
    const cfg = blobConfig({ epochs: 4 });
    const a = path.join(dir, 'straight');
    const b = path.join(dir, 'resumed');
    await runScan({ config: cfg, features: trainFile, valFeatures: valFile, out: a }, quiet);
    const partial = await runScan({ config: cfg, features: trainFile, valFeatures: valFile, out: b, untilEpoch: 2 }, quiet);
    expect(partial.summary.complete).toBe(false);
    await expect(runScan({ config: cfg, features: trainFile, valFeatures: valFile, out: b }, quiet)).rejects.toThrow(/resume/);
    await expect(runScan({ config: { ...cfg, criterion_kwargs: { entropy_weight: 4 } }, features: trainFile, valFeatures: valFile, out: b, resume: true }, quiet)).rejects.toThrow(
      /criterion_kwargs\.entropy_weight: 5 → 4/,
    );
    const resumed = await runScan({ config: cfg, features: trainFile, valFeatures: valFile, out: b, resume: true }, quiet);
    expect(resumed.summary.complete).toBe(true);
    for (const f of ['model.safetensors', 'predictions.csv']) {
      expect(Buffer.compare(readFileSync(path.join(a, f)), readFileSync(path.join(b, f))), f).toBe(0);
    }
    const ta = decodeSafetensors(readFileSync(path.join(a, 'checkpoint.safetensors')), 'test').tensors;
    const tb = decodeSafetensors(readFileSync(path.join(b, 'checkpoint.safetensors')), 'test').tensors;
    expect([...tb.keys()]).toEqual([...ta.keys()]);
    for (const [name, t] of ta) expect(Buffer.from(tb.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  });

  it('refuses a foreign --out before any compute, naming it, and leaves its files as they were', async () => {
    const cfg = blobConfig({ epochs: 2 });
    const foreign = path.join(dir, 'foreign');
    mkdirSync(foreign);
    const mine = path.join(foreign, 'predictions.csv');
    writeFileSync(mine, 'id,cluster\nmy-own,7\n');
    const before = readFileSync(mine);
    const err = await runScan({ config: cfg, features: trainFile, valFeatures: valFile, out: foreign }, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputPathError);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toContain(`--out ${foreign} is not a twindb scan folder (no .twindb-run.json; it holds predictions.csv)`);
    expect(readdirSync(foreign)).toEqual(['predictions.csv']);
    expect(readFileSync(mine).equals(before)).toBe(true);
    // a file at --out, another step's folder, a folder holding an input: refused alike
    await expect(runScan({ config: cfg, features: trainFile, out: mine }, quiet)).rejects.toThrow(/is a file, not a twindb output folder/);
    const pretextRun = path.join(dir, 'a-pretext-run');
    await claimRunFolder(pretextRun, { command: 'pretext', files: ['checkpoint.safetensors'] });
    await expect(runScan({ config: cfg, features: trainFile, out: pretextRun }, quiet)).rejects.toThrow(/output folder of `twindb pretext`, not of `twindb scan`/);
    await expect(runScan({ config: cfg, features: trainFile, out: dir }, quiet)).rejects.toThrow(new RegExp(`--out ${dir} holds the input .*train\\.arrow`));
    expect(readFileSync(mine).equals(before)).toBe(true);
  });

  it('writes .twindb-run.json listing every file of its folder, and resumes its own folder', async () => {
    const cfg = blobConfig({ epochs: 2 });
    const out = path.join(dir, 'owned');
    await runScan({ config: cfg, features: trainFile, valFeatures: valFile, out, untilEpoch: 1 }, quiet);
    const resumed = await runScan({ config: cfg, features: trainFile, valFeatures: valFile, out, resume: true }, quiet);
    expect(resumed.summary.complete).toBe(true);
    const m = await readRunManifest(out);
    expect(m).toMatchObject({ tool: 'twindb', command: 'scan' });
    const written = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f !== '.twindb-run.json');
    expect(written.filter((f) => !m!.files.includes(f))).toEqual([]);
  });

  it('refuses bad inputs with usage (2) and input-data (3) errors naming the key', async () => {
    const out = path.join(dir, 'bad');
    const run = (over: Record<string, unknown>, opts: Record<string, unknown> = {}) => runScan({ config: blobConfig(over), features: trainFile, out, ...opts }, quiet);
    await expect(run({ num_classes: 501 })).rejects.toThrow(UsageError);
    await expect(run({ num_classes: 501 })).rejects.toThrow(/num_classes 501/);
    await expect(run({ num_classes: 1 })).rejects.toThrow(/num_classes/);
    await expect(run({ batch_size: 600 })).rejects.toThrow(/batch_size 600/);
    await expect(run({ entropy: 5 })).rejects.toThrow(/unknown key\(s\) "entropy"/);
    await expect(run({ optimizer_kwargs: { lr: 'fast' } })).rejects.toThrow(/optimizer_kwargs\.lr/);
    const noLr = blobConfig();
    delete noLr.epochs;
    await expect(runScan({ config: noLr, features: trainFile, out }, quiet)).rejects.toThrow(/epochs: missing/);
    const other = path.join(dir, 'dim8.arrow');
    await writeBlobs(other, { n: 50, dim: 8 });
    const err = await run({}, { valFeatures: other }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputDataError);
    expect((err as InputDataError).exitCode).toBe(3);
    expect(String(err)).toMatch(/valFeatures: .*dim 8.*dim 16/);
    await expect(run({}, { features: path.join(dir, 'missing.arrow') })).rejects.toThrow(/features: cannot use feature file/);
    await expect(runScan({ config: blobConfig(), features: trainFile, out, epochs: 3 } as never, quiet)).rejects.toThrow(/epochs/);
  });

  it('loads the shipped configs', async () => {
    const root = path.resolve(__dirname, '../../../configs/scan');
    for (const f of ['scan_mnist.yml', 'scan_mnist-0-4.yml']) {
      const c = await loadScanConfig(path.join(root, f));
      expect(c.num_heads).toBe(5);
      expect(c.optimizer_kwargs.lr).toBe(0.003);
    }
  });
});
