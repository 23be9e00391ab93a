import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { openFeatureFile, readFeatureBatches } from './feature-reader.js';
import { FeatureWriter, type FeatureMetadataInput } from './feature-writer.js';
import { loadFeatures } from './load-features.js';

const dir = mkdtempSync(join(tmpdir(), 'twindb-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta = (dim: number, extra: Partial<FeatureMetadataInput> = {}): FeatureMetadataInput => ({
  encoder: 'simclr-test',
  dim,
  normalized: false,
  db: 'mnist:train',
  ...extra,
});

/** Random rows with every kind of awkward value the format must carry unchanged. */
function sampleRows(n: number, dim: number, seed: number) {
  const rng = new Rng(seed);
  const names = ['plain.png', 'ünïcödé/画像.jpg', 'emoji 🐱.png', 'comma,quote".jpg', ''];
  const ids: string[] = [];
  const paths: (string | null)[] = [];
  const labels: (number | null)[] = [];
  const embeddings = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    ids.push(`${names[i % names.length]}#${i}`);
    paths.push(rng.bernoulli(0.2) ? null : `${names[rng.int(names.length)]}/${i}`);
    labels.push(rng.bernoulli(0.3) ? null : rng.int(1000) - 500);
    for (let j = 0; j < dim; j++) embeddings[i * dim + j] = rng.normal() * 10 ** rng.int(8);
  }
  // Values that a lossy path (float64 text, NaN canonicalisation, -0 folding) would change.
  const special = [-0, 1.401298464324817e-45, 3.4028234663852886e38, -1.1754943508222875e-38, Math.fround(0.1)];
  for (let k = 0; k < special.length && k < n * dim; k++) embeddings[k] = special[k];
  return { ids, paths, labels, embeddings };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

describe('feature file round trip', () => {
  it('keeps ids, paths (nulls, non-ASCII), labels (nulls) and embeddings bit-exactly', async () => {
    const dim = 7;
    const rows = sampleRows(301, dim, 1);
    const path = join(dir, 'roundtrip.arrow');
    const w = await FeatureWriter.create(path, meta(dim), { batchRows: 64 });
    // Mix both append styles: first rows one by one, the rest column-wise.
    await w.append(
      rows.ids.slice(0, 10).map((id, i) => ({
        id,
        path: rows.paths[i],
        label: rows.labels[i],
        embedding: Array.from(rows.embeddings.subarray(i * dim, (i + 1) * dim)),
      })),
    );
    await w.appendBatch({
      ids: rows.ids.slice(10),
      paths: rows.paths.slice(10),
      labels: rows.labels.slice(10),
      embeddings: rows.embeddings.subarray(10 * dim),
    });
    expect(await w.close()).toEqual({ path, rows: 301 });

    const info = await openFeatureFile(path);
    expect(info.meta).toEqual({ format: '1', encoder: 'simclr-test', dim, normalized: false, db: 'mnist:train' });
    expect(info.rows).toBe(301);
    expect(info.batchRows).toEqual([64, 64, 64, 64, 45]);

    const all = await loadFeatures(path);
    expect(all.ids).toEqual(rows.ids);
    expect(all.paths).toEqual(rows.paths);
    expect(all.labels).toEqual(rows.labels);
    expect(sameBits(all.embeddings, rows.embeddings)).toBe(true);
    expect(Object.is(all.embeddings[0], -0)).toBe(true);
  });

  it('returns labels as an Int32Array when no label is null', async () => {
    const path = join(dir, 'labels.arrow');
    const w = await FeatureWriter.create(path, meta(2));
    await w.appendBatch({ ids: ['a', 'b', 'c'], labels: Int32Array.of(3, -1, 2147483647), embeddings: new Float32Array(6) });
    await w.close();
    const [batch] = await collect(readFeatureBatches(path));
    expect(batch.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(batch.labels)).toEqual([3, -1, 2147483647]);
    expect(batch.paths).toEqual([null, null, null]);
  });

  it('streams a file 50 batches long back in order, one batch at a time', async () => {
    const dim = 4;
    const batchRows = 32;
    const n = batchRows * 50 + 5;
    const path = join(dir, 'many.arrow');
    const w = await FeatureWriter.create(path, meta(dim), { batchRows });
    const rng = new Rng(2);
    const expected = new Float32Array(n * dim);
    // Appends deliberately misaligned with the batch size.
    for (let start = 0; start < n; start += 77) {
      const end = Math.min(n, start + 77);
      const emb = new Float32Array((end - start) * dim).map(() => rng.normal());
      expected.set(emb, start * dim);
      const ids = Array.from({ length: end - start }, (_, i) => `row-${start + i}`);
      await w.appendBatch({ ids, labels: ids.map((_, i) => (start + i) % 10), embeddings: emb });
    }
    await w.close();

    const info = await openFeatureFile(path);
    expect(info.batchRows.length).toBe(51);
    expect(info.rows).toBe(n);
    let next = 0;
    for await (const b of readFeatureBatches(path)) {
      expect(b.rowOffset).toBe(next);
      expect(b.dim).toBe(dim);
      expect(b.ids.length).toBe(next + batchRows <= n ? batchRows : n - next);
      expect(b.ids[0]).toBe(`row-${next}`);
      expect(b.labels[0]).toBe(next % 10);
      expect(sameBits(b.embeddings, expected.subarray(next * dim, (next + b.ids.length) * dim))).toBe(true);
      next += b.ids.length;
    }
    expect(next).toBe(n);
  });

  it('writes a valid empty file', async () => {
    const path = join(dir, 'empty.arrow');
    const w = await FeatureWriter.create(path, meta(3));
    await w.close();
    const info = await openFeatureFile(path);
    expect(info.rows).toBe(0);
    expect(info.meta.dim).toBe(3);
    const all = await loadFeatures(path);
    expect(all.rows).toBe(0);
    expect(all.embeddings.length).toBe(0);
  });

  it('loadFeatures refuses a file over its byte limit and points to streaming', async () => {
    const path = join(dir, 'limit.arrow');
    const w = await FeatureWriter.create(path, meta(4));
    await w.appendBatch({ ids: ['a', 'b'], embeddings: new Float32Array(8) });
    await w.close();
    await expect(loadFeatures(path, { maxBytes: 31 })).rejects.toThrow(/limit\.arrow: 2 rows × dim 4 .*readFeatureBatches/);
    expect((await loadFeatures(path, { maxBytes: 32 })).rows).toBe(2);
  });

  it('breaking out of the stream early still closes the file', async () => {
    const path = join(dir, 'early.arrow');
    const w = await FeatureWriter.create(path, meta(2), { batchRows: 2 });
    await w.appendBatch({ ids: ['a', 'b', 'c', 'd', 'e'], embeddings: new Float32Array(10) });
    await w.close();
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let k = 0; k < 5; k++) {
      for await (const b of readFeatureBatches(path)) {
        expect(b.ids[0]).toBe('a');
        break;
      }
    }
    expect(fds()).toBe(before);
  });
});

describe('temp file and rename', () => {
  const filesIn = (d: string) => readdirSync(d).sort();

  it('shows nothing under the final name until close, and leaves no temp file after', async () => {
    const d = mkdtempSync(join(dir, 'rename-'));
    const path = join(d, 'out.arrow');
    const w = await FeatureWriter.create(path, meta(2), { batchRows: 2 });
    await w.appendBatch({ ids: ['a', 'b', 'c'], embeddings: new Float32Array(6) });
    expect(existsSync(path)).toBe(false);
    expect(filesIn(d)).toHaveLength(1); // the hidden temp file holds the flushed batch
    await w.close();
    expect(filesIn(d)).toEqual(['out.arrow']);
  });

  it('abort() removes the temp file and leaves an existing file untouched', async () => {
    const d = mkdtempSync(join(dir, 'abort-'));
    const path = join(d, 'out.arrow');
    writeFileSync(path, 'previous contents');
    const w = await FeatureWriter.create(path, meta(2), { batchRows: 2 });
    await w.appendBatch({ ids: ['a', 'b', 'c', 'd', 'e'], embeddings: new Float32Array(10) });
    await w.abort();
    expect(filesIn(d)).toEqual(['out.arrow']);
    expect(readFileSync(path, 'utf8')).toBe('previous contents');
    await expect(w.append([{ id: 'z', embedding: [0, 0] }])).rejects.toThrow(/out\.arrow: FeatureWriter is aborted/);
  });

  it('an error thrown mid-write removes the temp file and creates nothing', async () => {
    const d = mkdtempSync(join(dir, 'midwrite-'));
    const path = join(d, 'out.arrow');
    const w = await FeatureWriter.create(path, meta(2), { batchRows: 2 });
    await w.appendBatch({ ids: ['a', 'b', 'c', 'd', 'e'], embeddings: new Float32Array(10) });
    const emb = Float32Array.of(0, 0, Number.NaN, 1);
    await expect(w.appendBatch({ ids: ['f', 'g'], embeddings: emb })).rejects.toThrow(/row 6 \(id "g"\)/);
    expect(filesIn(d)).toEqual([]);
    await expect(w.close()).rejects.toThrow(/FeatureWriter is aborted/);
    expect(filesIn(d)).toEqual([]);
  });

  it('a failure in the caller between appends, followed by abort(), leaves nothing', async () => {
    const d = mkdtempSync(join(dir, 'caller-'));
    const path = join(d, 'out.arrow');
    const produce = async () => {
      const w = await FeatureWriter.create(path, meta(2), { batchRows: 1 });
      try {
        await w.appendBatch({ ids: ['a', 'b'], embeddings: new Float32Array(4) });
        throw new Error('encoder crashed');
      } catch (err) {
        await w.abort();
        throw err;
      }
    };
    await expect(produce()).rejects.toThrow('encoder crashed');
    expect(filesIn(d)).toEqual([]);
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
