import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createImageU8, normalize, openImageSource, writeImageFile } from '@twindb/core-tensors/data';
import { loadFeatures, OutputPathError, Progress, Rng, UsageError } from '@twindb/core-tensors';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { encoderSpec } from './encoder-spec.js';
import { parseShard, shardRange } from './extract-options.js';
import { runExtract } from './run-extract.js';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(tmpdir(), 'twindb-extract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LinearEncoder {
  file: string;
  weights: Float32Array;
  dim: number;
}

/**
 * A linear encoder: flatten the NHWC (or NCHW) batch and multiply by a random [h·w·c, dim] matrix.
 * Small enough to recompute by hand, and its output depends on every pixel and on the layout.
 */
function linearEncoder(name: string, opts: { h: number; w: number; c: number; dim: number; layout: 'NHWC' | 'NCHW'; metadata?: Record<string, string> }): LinearEncoder {
  const { h, w, c, dim, layout } = opts;
  const rng = new Rng(name);
  const weights = Float32Array.from({ length: h * w * c * dim }, () => rng.normal() / 10);
  const g = new OnnxGraphBuilder(name);
  g.input('pixels', layout === 'NHWC' ? ['batch', h, w, c] : ['batch', c, h, w]);
  const flat = g.node('Flatten', ['pixels'], { axis: 1 });
  g.node('MatMul', [flat, g.initializer('w', weights, [h * w * c, dim])], {}, 'features');
  g.output('features', ['batch', dim]);
  const file = path.join(dir, `${name}.onnx`);
  writeFileSync(file, g.toBytes(opts.metadata ?? {}));
  return { file, weights, dim };
}

/** What the file should hold: W·x in float64 on the layout's flattening, then L2-normalised. */
function expectedEmbedding(x: Float32Array, enc: LinearEncoder, nchw?: { h: number; w: number; c: number }): number[] {
  const input = nchw ? Float32Array.from({ length: x.length }, (_, i) => {
    const plane = nchw.h * nchw.w;
    const k = Math.floor(i / plane);
    return x[(i % plane) * nchw.c + k];
  }) : x;
  const out = new Array<number>(enc.dim).fill(0);
  for (let i = 0; i < input.length; i++) for (let d = 0; d < enc.dim; d++) out[d] += input[i] * enc.weights[i * enc.dim + d];
  const norm = Math.hypot(...out);
  return out.map((v) => v / norm);
}

const mnistMeta = {
  'twindb.layout': 'NHWC',
  'twindb.input_shape': '[28,28,1]',
  'twindb.normalize_mean': '[0.1307]',
  'twindb.normalize_std': '[0.3081]',
  'twindb.encoder': 'linear-mnist',
};

describe('runExtract', () => {
  it('embeds every image of a DB with the encoder its metadata describes, in DB order, with ids and labels', async () => {
    const enc = linearEncoder('linear-mnist', { h: 28, w: 28, c: 1, dim: 6, layout: 'NHWC', metadata: mnistMeta });
    const out = path.join(dir, 'mnist.arrow');
    const summary = await runExtract({ encoder: enc.file, db: 'mnist:heldout?n=150', out, batchSize: 64 }, { log: () => {} });
    expect(summary).toMatchObject({ rows: 150, dim: 6, rejected: 0, skipped: false, range: [0, 150] });

    const file = await loadFeatures(out);
    expect(file.meta).toMatchObject({ dim: 6, normalized: true, encoder: 'linear-mnist@linear-mnist.onnx', db: 'mnist:heldout?n=150' });
    const source = await openImageSource('mnist:heldout?n=150', { format: { size: [28, 28], channels: 1 } });
    expect(file.ids).toEqual(source.records.map((r) => r.id));
    expect(Array.from(file.labels as Int32Array)).toEqual(source.records.map((r) => r.label));
    for (const row of [0, 63, 64, 149]) {
      const x = normalize(await source.load(row), { mean: [0.1307], std: [0.3081] }).data;
      const want = expectedEmbedding(x, enc);
      const got = Array.from(file.embeddings.subarray(row * 6, row * 6 + 6));
      got.forEach((v, d) => expect(v).toBeCloseTo(want[d], 4));
    }
    const summaryFile = JSON.parse(readFileSync(path.join(dir, 'extract.summary.json'), 'utf8'));
    expect(summaryFile).toMatchObject({ step: 'extract', rows: 150, out });
  });

  it('splits a DB into shards that cover every row once, and a rerun of a finished shard does nothing', async () => {
    const enc = linearEncoder('linear-shards', { h: 28, w: 28, c: 1, dim: 4, layout: 'NHWC', metadata: { ...mnistMeta, 'twindb.encoder': 'shards' } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = path.join(dir, `shard-${i}.arrow`);
      const s = await runExtract({ encoder: enc.file, db: 'mnist:heldout?n=100', out, shard: { index: i, count: 3 }, batchSize: 16 }, { log: () => {} });
      expect(s.range).toEqual(shardRange(100, { index: i, count: 3 }));
      ids.push(...(await loadFeatures(out)).ids);
    }
    const all = (await openImageSource('mnist:heldout?n=100')).records.map((r) => r.id);
    expect(ids).toEqual(all);

    const out0 = path.join(dir, 'shard-0.arrow');
    const before = statSync(out0).mtimeMs;
    const again = await runExtract({ encoder: enc.file, db: 'mnist:heldout?n=100', out: out0, shard: { index: 0, count: 3 } }, { log: () => {} });
    expect(again.skipped).toBe(true);
    expect(statSync(out0).mtimeMs).toBe(before);
  });

  it('feeds a bring-your-own NCHW encoder without metadata from the caller\'s overrides, and skips unreadable files', async () => {
    const folder = path.join(dir, 'colour');
    const rng = new Rng('colour-images');
    mkdirSync(folder, { recursive: true });
    const names = ['a.png', 'b.png', 'c.png'];
    for (const name of names) {
      const img = createImageU8(8, 8, 3, Uint8Array.from({ length: 8 * 8 * 3 }, () => rng.int(256)));
      await writeImageFile(img, path.join(folder, name));
    }
    writeFileSync(path.join(folder, 'broken.png'), 'not a png');
    const enc = linearEncoder('byo-nchw', { h: 8, w: 8, c: 3, dim: 5, layout: 'NCHW' });
    const out = path.join(dir, 'colour.arrow');
    await expect(runExtract({ encoder: enc.file, db: `folder:${folder}`, out }, { log: () => {} })).rejects.toThrow(
      /byo-nchw\.onnx: no pixel normalisation: metadata twindb\.normalize_mean \/ twindb\.normalize_std missing; pass mean and std/,
    );
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const s = await runExtract({ encoder: enc.file, db: `folder:${folder}`, out, mean, std }, { log: () => {} });
    expect(s).toMatchObject({ rows: 3, rejected: 1 });
    expect(readFileSync(`${out}.rejected.csv`, 'utf8')).toMatch(/broken\.png/);

    const file = await loadFeatures(out);
    const source = await openImageSource(`folder:${folder}`, { format: { size: [8, 8], channels: 3 } });
    const byPath = new Map(source.records.map((r, i) => [r.path, i]));
    for (let row = 0; row < file.rows; row++) {
      const x = normalize(await source.load(byPath.get(file.paths[row]!)!), { mean, std }).data;
      const want = expectedEmbedding(x, enc, { h: 8, w: 8, c: 3 });
      Array.from(file.embeddings.subarray(row * 5, row * 5 + 5)).forEach((v, d) => expect(v).toBeCloseTo(want[d], 4));
    }
  });

  it('refuses bad input with the file and what was expected, and writes nothing', async () => {
    const out = path.join(dir, 'never.arrow');
    await expect(runExtract({ encoder: path.join(dir, 'missing.onnx'), db: 'mnist:heldout?n=10', out })).rejects.toThrow(/cannot read the encoder .*missing\.onnx: ENOENT/);
    const notOnnx = path.join(dir, 'garbage.onnx');
    writeFileSync(notOnnx, 'definitely not protobuf');
    await expect(runExtract({ encoder: notOnnx, db: 'mnist:heldout?n=10', out })).rejects.toThrow(/garbage\.onnx: not an ONNX model|garbage\.onnx: the ONNX model has no graph/);
    await expect(runExtract({ encoder: notOnnx, db: 'mnist:heldout?n=10', out, batchSize: 0 })).rejects.toThrow(/batchSize: .*/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('runExtract: data safety', () => {
  const rgbMeta = { 'twindb.layout': 'NHWC', 'twindb.input_shape': '[8,8,3]', 'twindb.normalize_mean': '[0.5,0.5,0.5]', 'twindb.normalize_std': '[0.25,0.25,0.25]' };
  async function imageFolder(name: string, good: number, broken = 0): Promise<string> {
    const folder = path.join(dir, name);
    mkdirSync(folder, { recursive: true });
    const rng = new Rng(name);
    for (let i = 0; i < good; i++) {
      await writeImageFile(createImageU8(8, 8, 3, Uint8Array.from({ length: 192 }, () => rng.int(256))), path.join(folder, `img${i}.png`));
    }
    for (let i = 0; i < broken; i++) writeFileSync(path.join(folder, `broken${i}.png`), 'not a png');
    return folder;
  }

  it('reruns when the encoder with the same file name changed, or the folder grew (reuse needs the same hashes)', async () => {
    const folder = await imageFolder('grows', 3);
    const sub = path.join(dir, 'same-name');
    mkdirSync(sub, { recursive: true });
    const out = path.join(dir, 'grows.arrow');
    const a = linearEncoder('enc-a', { h: 8, w: 8, c: 3, dim: 4, layout: 'NHWC', metadata: { ...rgbMeta, 'twindb.encoder': 'same' } });
    const b = linearEncoder('enc-b', { h: 8, w: 8, c: 3, dim: 4, layout: 'NHWC', metadata: { ...rgbMeta, 'twindb.encoder': 'same' } });
    const encoder = path.join(sub, 'encoder.onnx');
    writeFileSync(encoder, readFileSync(a.file));
    const logs: string[] = [];
    const log = (l: string) => logs.push(l);
    const first = await runExtract({ encoder, db: `folder:${folder}`, out }, { log });
    expect(first.skipped).toBe(false);
    const meta = (await loadFeatures(out)).meta;
    expect(meta.encoderSha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await runExtract({ encoder, db: `folder:${folder}`, out }, { log })).skipped).toBe(true);

    writeFileSync(encoder, readFileSync(b.file)); // another model under the same name
    const again = await runExtract({ encoder, db: `folder:${folder}`, out }, { log });
    expect(again.skipped).toBe(false);
    expect(logs.join('\n')).toMatch(/recomputing .*grows\.arrow: it was made by another encoder/);
    expect((await loadFeatures(out)).meta.encoderSha256).not.toBe(meta.encoderSha256);

    await imageFolder('grows', 5); // the folder grew
    const grown = await runExtract({ encoder, db: `folder:${folder}`, out }, { log });
    expect(grown).toMatchObject({ skipped: false, rows: 5 });
    expect(logs.join('\n')).toMatch(/recomputing .*: the DB changed since/);
  });

  it('checks every output location before any compute: not the encoder, not a folder, writable', async () => {
    const enc = linearEncoder('enc-out', { h: 8, w: 8, c: 3, dim: 4, layout: 'NHWC', metadata: rgbMeta });
    const before = readFileSync(enc.file);
    const err = await runExtract({ encoder: enc.file, db: 'mnist:heldout?n=10', out: enc.file }, { log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputPathError);
    expect((err as Error).message).toMatch(/--out .*enc-out\.onnx is the input .*give another output name/);
    expect(readFileSync(enc.file)).toEqual(before);
    const folderOut = path.join(dir, 'a-folder.arrow');
    mkdirSync(folderOut, { recursive: true });
    let decoded = 0;
    const progress = (label: string, total: number) => new Progress(label, total, { write: () => decoded++ });
    await expect(runExtract({ encoder: enc.file, db: 'mnist:heldout?n=10', out: folderOut }, { log: () => {}, progress })).rejects.toThrow(OutputPathError);
    expect(decoded).toBe(0);
  });

  it('counts rejected files in the progress line (ends at 100 %) and lists symlink loops in rejected.csv', async () => {
    const folder = await imageFolder('half-broken', 5, 5);
    symlinkSync('.', path.join(folder, 'self'));
    const enc = linearEncoder('enc-progress', { h: 8, w: 8, c: 3, dim: 4, layout: 'NHWC', metadata: rgbMeta });
    const out = path.join(dir, 'half-broken.arrow');
    const lines: string[] = [];
    const progress = (label: string, total: number, unit?: string) => new Progress(label, total, { unit, write: (l) => lines.push(l), intervalMs: 0 });
    const s = await runExtract({ encoder: enc.file, db: `folder:${folder}`, out, batchSize: 2, concurrency: 2 }, { log: () => {}, progress });
    expect(s).toMatchObject({ rows: 5, rejected: 6 });
    expect(lines.at(-1)).toMatch(/^extract 10\/10 \(100\.0%\).* done/);
    const rejected = readFileSync(`${out}.rejected.csv`, 'utf8');
    expect(rejected).toMatch(/^self,.*symbolic-link loop/m);
    expect((await loadFeatures(out)).rows).toBe(5);
    expect((await runExtract({ encoder: enc.file, db: `folder:${folder}`, out }, { log: () => {} })).skipped).toBe(true);
  });
});

describe("runExtract: the seed's CSV (--csv / --save_feature_name)", () => {
  const rgbMeta = { 'twindb.layout': 'NHWC', 'twindb.input_shape': '[8,8,3]', 'twindb.normalize_mean': '[0.5,0.5,0.5]', 'twindb.normalize_std': '[0.25,0.25,0.25]' };
  /** Images whose names need csv.writer's quoting (a comma, a quote) next to plain ones. */
  async function namedImages(name: string): Promise<string> {
    const folder = path.join(dir, name);
    mkdirSync(path.join(folder, 'sub'), { recursive: true });
    const rng = new Rng(name);
    for (const f of ['road,day,1.png', 'say "hi".png', '000123.png', 'sub/plain.png']) {
      await writeImageFile(createImageU8(8, 8, 3, Uint8Array.from({ length: 192 }, () => rng.int(256))), path.join(folder, f));
    }
    return folder;
  }
  /** csv.writer's QUOTE_MINIMAL, re-implemented: quote a field holding a comma, quote or line break. */
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const f32bits = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];

  /** The CSV as rows of [name, bits of each value]; checks the layout of every line on the way. */
  function readSeedCsv(file: string, dim: number): { name: string; bits: number[] }[] {
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/); // every row ends in CRLF, as csv.writer writes
    return text
      .slice(0, -2)
      .split('\r\n')
      .map((line) => {
        const values = line.split(',').slice(-dim);
        const name = line.slice(0, line.length - values.join(',').length - 1);
        return { name, bits: values.map((v) => f32bits(Number(v))) };
      });
  }

  it('writes every row of the Arrow file as name,f0,f1,… (no header, name = id quoted as csv.writer does), with no temp left', async () => {
    const folder = await namedImages('seed-csv');
    const enc = linearEncoder('enc-csv', { h: 8, w: 8, c: 3, dim: 5, layout: 'NHWC', metadata: rgbMeta });
    const out = path.join(dir, 'csv-out', 'near.arrow');
    const csv = path.join(dir, 'csv-out', 'csv', 'near_features.csv');
    const s = await runExtract({ encoder: enc.file, db: `folder:${folder}`, out, csv }, { log: () => {} });
    expect(s).toMatchObject({ rows: 4, csv, skipped: false });
    const file = await loadFeatures(out);
    const rows = readSeedCsv(csv, 5);
    expect(rows.map((r) => r.name)).toEqual(file.ids.map(q));
    expect(rows.map((r) => r.name)).toContain('"road,day,1.png"');
    expect(rows.map((r) => r.name)).toContain('"say ""hi"".png"');
    expect(rows.flatMap((r) => r.bits)).toEqual(Array.from(file.embeddings, f32bits));
    expect(readdirSync(path.dirname(csv))).toEqual(['near_features.csv']);
    expect(readdirSync(path.dirname(out)).filter((f) => f.includes('.tmp'))).toEqual([]);

    // A rerun reuses the complete Arrow file and still writes the CSV asked for, the same rows.
    const csv2 = path.join(dir, 'csv-out', 'again.csv');
    const again = await runExtract({ encoder: enc.file, db: `folder:${folder}`, out, csv: csv2 }, { log: () => {} });
    expect(again).toMatchObject({ skipped: true, csv: csv2 });
    expect(readFileSync(csv2, 'utf8')).toBe(readFileSync(csv, 'utf8'));
  });

  it('refuses, before any compute, a CSV that is the Arrow output, the encoder, another output of the run or a folder', async () => {
    const enc = linearEncoder('enc-csv-refuse', { h: 8, w: 8, c: 3, dim: 4, layout: 'NHWC', metadata: rgbMeta });
    const out = path.join(dir, 'refuse', 'x.arrow');
    const db = 'mnist:heldout?n=10';
    const err = (o: { csv: string; out?: string }) => runExtract({ encoder: enc.file, db, out, ...o }, { log: () => {} }).catch((e: unknown) => e);
    const same = await err({ csv: out });
    expect(same).toBeInstanceOf(UsageError);
    expect(String(same)).toMatch(/--csv .*x\.arrow is also the Arrow output --out/);
    expect(String(await err({ csv: `${out}.rejected.csv` }))).toMatch(/--csv .*x\.arrow\.rejected\.csv is .*which this run also writes/);
    const overEncoder = await err({ csv: enc.file });
    expect(overEncoder).toBeInstanceOf(OutputPathError);
    expect(String(overEncoder)).toMatch(/--csv .*enc-csv-refuse\.onnx is the input/);
    const folder = path.join(dir, 'refuse', 'a-folder.csv');
    mkdirSync(folder, { recursive: true });
    expect(String(await err({ csv: folder }))).toMatch(/--csv .*a-folder\.csv is a folder/);
    expect(String(await err({ csv: '-' }))).toMatch(/--csv "-": stdout is accepted only where a single file is written/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('encoderSpec', () => {
  it('reads layout, size and normalisation from twindb metadata, overrides first', () => {
    const enc = linearEncoder('spec', { h: 28, w: 28, c: 1, dim: 3, layout: 'NHWC', metadata: mnistMeta });
    const bytes = readFileSync(enc.file);
    expect(encoderSpec(bytes, enc.file)).toMatchObject({ layout: 'NHWC', inputShape: [28, 28, 1], mean: [0.1307], std: [0.3081], inputName: 'pixels', outputName: 'features', normalized: false });
    expect(encoderSpec(bytes, enc.file, { mean: [0.5], std: [0.5] })).toMatchObject({ mean: [0.5], std: [0.5] });
  });

  it('parses shards as i/n and rejects the rest', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('5/5')).toThrow(/shard "5\/5": shard index must be below the shard count/);
    expect(() => parseShard('two')).toThrow(/expected "i\/n"/);
  });
});
