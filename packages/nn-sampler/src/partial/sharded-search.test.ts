import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FeatureWriter, InputDataError, OutputPathError, Rng, UsageError } from '@twindb/core-tensors';
import { afterAll, describe, expect, it } from 'vitest';
import { runSample } from '../run-sample.js';
import { openPartialFile, writePartialFile } from './partial-file.js';
import { runPartialSearch } from './run-partial-search.js';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nn-sampler-sharded-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const dim = 12;
const rng = new Rng(31);
const centres = Array.from({ length: 5 * dim }, () => rng.normal());
function rows(n: number, prefix: string, spread = 0.4) {
  const e = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 5;
    for (let j = 0; j < dim; j++) e[i * dim + j] = centres[labels[i] * dim + j] + spread * rng.normal();
  }
  return { e, labels, ids: Array.from({ length: n }, (_, i) => `${prefix}${i}`) };
}

async function writeFeatures(file: string, r: ReturnType<typeof rows>, batchRows: number, encoder = 'enc') {
  const w = await FeatureWriter.create(file, { encoder, dim, normalized: false, db: path.basename(file) }, { batchRows });
  await w.appendBatch({ ids: r.ids, labels: Array.from(r.labels), embeddings: r.e });
  await w.close();
}

// Pool: two files with different batch sizes, so shard edges cut through batches and files.
const P0 = rows(330, 'a');
const P1 = rows(270, 'b');
// Exact copies of pool rows in the other file: equal distances, so only the tie rule (lower global
// row first) orders them, across shard boundaries too.
for (const [from, to] of [[3, 10], [100, 200], [250, 5]]) P1.e.set(P0.e.subarray(from * dim, (from + 1) * dim), to * dim);
const T = rows(50, 't', 0.6);
// Near-duplicate targets, removed by --target-dedup before the search.
for (const [from, to] of [[0, 7], [1, 8], [2, 30]]) for (let j = 0; j < dim; j++) T.e[to * dim + j] = T.e[from * dim + j] + 1e-4 * (j % 3);
const feats = path.join(dir, 'feats');
await fs.mkdir(feats);
const pool = [path.join(feats, 'pool-0.arrow'), path.join(feats, 'pool-1.arrow')];
const target = path.join(feats, 'target.arrow');
await writeFeatures(pool[0], P0, 64);
await writeFeatures(pool[1], P1, 100);
await writeFeatures(target, T, 16);

/** Every file under `d` (relative path → bytes); report.json without its run time and output folder. */
async function tree(d: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of (await fs.readdir(d, { recursive: true })).sort()) {
    const p = path.join(d, f);
    if ((await fs.stat(p)).isDirectory()) continue;
    let b = await fs.readFile(p);
    if (f === 'report.json') {
      const r = JSON.parse(b.toString('utf8'));
      delete r.seconds;
      delete r.options.out;
      b = Buffer.from(JSON.stringify(r, null, 2));
    }
    out.set(f, b.toString('base64'));
  }
  return out;
}

async function shards(name: string, count: number, opts: Record<string, unknown>): Promise<string[]> {
  const files: string[] = [];
  for (let index = 0; index < count; index++) {
    const partial = path.join(dir, `${name}-${index}.arrow`);
    const r = await runPartialSearch({ target, pool, poolShard: { index, count }, partial, ...opts });
    expect(r.range[1] - r.range[0]).toBe(Math.floor(((index + 1) * 600) / count) - Math.floor((index * 600) / count));
    files.push(partial);
  }
  return files;
}

const matchOpts = { k: 3, targetDedup: 0.999, maxDistance: 0.8, reportSamples: 60, codebook: 8, minCoverage: 0 };

describe('sharded exact search (--pool-shard, --merge)', () => {
  const partials = shards('m', 3, matchOpts);

  it('match mode with target de-duplication: the merge writes the one-process run\'s files byte for byte', async () => {
    const one = await runSample({ target, pool, out: path.join(dir, 'one'), ...matchOpts });
    expect(one.report.targetDedup?.removed).toBe(3);
    const files = await partials;
    // The order of the --merge files does not matter.
    const merged = await runSample({ target, pool, out: path.join(dir, 'merged'), merge: [files[2], files[0], files[1]], ...matchOpts });
    expect(Array.from(merged.selection.pool)).toEqual(Array.from(one.selection.pool));
    const [a, b] = [await tree(path.join(dir, 'one')), await tree(path.join(dir, 'merged'))];
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...a.keys()]).toEqual(expect.arrayContaining(['selected.csv', 'selected.arrow', 'neighbors.arrow', 'report.json', 'removed-targets.csv', '.twindb-run.json']));
    for (const [f, bytes] of a) expect(b.get(f), f).toBe(bytes);
  });

  it('the partial file holds each kept target\'s exact candidates of its rows, with global row numbers', async () => {
    const p = await openPartialFile((await partials)[1]);
    try {
      expect(p.header.shard).toEqual({ index: 1, count: 3, start: 200, end: 400 });
      expect(p.header.identity.target.kept).toBe(47);
      expect(p.header.identity.pool.rows).toBe(600);
      const blk = await p.readBlock(0);
      expect(blk.rows).toBe(47);
      const depth = p.header.identity.depth;
      for (let j = 0; j < blk.rows * depth; j++) expect(blk.indices[j] >= 200 && blk.indices[j] < 400).toBe(true);
    } finally {
      await p.close();
    }
  });

  it('union on the seed path (ImageSets, .npy per K) with 4 shards equals the one-process run', async () => {
    const seed = { nnMaker: true, nnFactor: [2, 5], minCoverage: 0, reportSamples: 60, codebook: 8 };
    await runSample({ target, pool, out: path.join(dir, 'seed-one'), ...seed });
    const files = await shards('seed', 4, seed);
    await runSample({ target, pool, out: path.join(dir, 'seed-merged'), merge: files, ...seed });
    const [a, b] = [await tree(path.join(dir, 'seed-one')), await tree(path.join(dir, 'seed-merged'))];
    expect([...a.keys()]).toEqual(expect.arrayContaining(['ImageSets/scan_nn2.txt', 'topk5_neighbors_val_from_train.npy']));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [f, bytes] of a) expect(b.get(f), f).toBe(bytes);
  });

  const refused = async (merge: string[], extra: Record<string, unknown>, out: string) => {
    const err = await runSample({ target, pool, out: path.join(dir, out), merge, ...matchOpts, ...extra }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await expect(fs.stat(path.join(dir, out))).rejects.toThrow(/ENOENT/);
    return err as Error;
  };

  it('refuses a merge with a shard missing or given twice, naming the shard and the files', async () => {
    const files = await partials;
    const missing = await refused([files[0], files[2]], {}, 'x-missing');
    expect(missing).toBeInstanceOf(InputDataError);
    expect(missing.message).toMatch(/shard 1\/3 \(pool rows 200–400\) missing/);
    expect(missing.message).toContain(`${files[0]} = 0/3`);
    const twice = await refused([files[0], files[1], files[1], files[2]], {}, 'x-twice');
    expect(twice).toBeInstanceOf(InputDataError);
    expect(twice.message).toBe(`${files[1]}: shard 1/3 is given twice (also ${files[1]}); give each shard's partial file once`);
    const other = await shards('split2', 2, matchOpts);
    const mixed = await refused([files[0], files[1], other[1]], {}, 'x-mixed');
    expect(mixed.message).toMatch(new RegExp(`${other[1].replace(/[.]/g, '\\.')}: shard 1/2, but .* is shard 0/3: the files come from different splits`));
  });

  it('refuses partial files of another pool, target, K or encoder, naming the file', async () => {
    const files = await partials;
    const pool2 = [pool[1], pool[0]];
    const e1 = await runSample({ target, pool: pool2, out: path.join(dir, 'x-pool'), merge: files, ...matchOpts }).catch((e: Error) => e);
    expect(e1).toBeInstanceOf(InputDataError);
    expect((e1 as Error).message).toMatch(new RegExp(`^${files[0].replace(/[.]/g, '\\.')}: searched another pool: .*pool-0\\.arrow \\(330 rows`));
    const target2 = path.join(feats, 'target2.arrow');
    await writeFeatures(target2, rows(50, 't'), 16);
    const e2 = await runSample({ target: target2, pool, out: path.join(dir, 'x-target'), merge: files, ...matchOpts }).catch((e: Error) => e);
    expect((e2 as Error).message).toMatch(/: searched for another target: .*target\.arrow \(50 rows.*this run's --target is .*target2\.arrow/);
    const e3 = await refused(files, { k: 4 }, 'x-k');
    expect(e3).toBeInstanceOf(InputDataError);
    expect(e3.message).toMatch(/: searched with K 3 \(top 64 per target\); this run has K 4 \(top 64 per target\): give every shard and the merge the same -k/);
    const e4 = await refused(files, { targetDedup: 0.99 }, 'x-dedup');
    expect(e4.message).toMatch(/searched with other options \(partial file → this run: dedupThreshold: 0.999 → 0.99\)/);
    // The encoder is read from the target file, so only a rewritten header can disagree: forge one.
    const p = await openPartialFile(files[2]);
    const blk = await p.readBlock(0);
    const header = structuredClone(p.header);
    await p.close();
    header.identity.encoder = 'other-encoder';
    const forged = path.join(dir, 'forged-2.arrow');
    await writePartialFile(forged, header, { queries: blk.rows, k: header.identity.depth, indices: Int32Array.from(blk.indices), distances: Float32Array.from(blk.distances) }, []);
    const e5 = await refused([files[0], files[1], forged], {}, 'x-encoder');
    expect(e5.message).toBe(`${forged}: features of another encoder ("other-encoder" vs this run's "enc")`);
    const e6 = await refused([files[0], files[1], pool[0]], {}, 'x-notpartial');
    expect(e6).toBeInstanceOf(InputDataError);
    expect(e6.message).toMatch(new RegExp(`^${pool[0].replace(/[.]/g, '\\.')}: not a twindb partial file \\(no twindb.partial metadata`));
  });

  it('never writes a partial file over an input or a file it did not write; reruns replace their own', async () => {
    const before = await fs.readFile(pool[1]);
    const e1 = await runPartialSearch({ target, pool, poolShard: { index: 0, count: 2 }, partial: pool[1], ...matchOpts }).catch((e: Error) => e);
    expect(e1).toBeInstanceOf(OutputPathError);
    expect((e1 as Error).message).toMatch(/--partial .*pool-1\.arrow/);
    expect((await fs.readFile(pool[1])).equals(before)).toBe(true);
    const notes = path.join(dir, 'notes.arrow');
    await fs.writeFile(notes, 'my notes');
    const e2 = await runPartialSearch({ target, pool, poolShard: { index: 0, count: 2 }, partial: notes, ...matchOpts }).catch((e: Error) => e);
    expect((e2 as Error).message).toBe(`--partial ${notes} exists and is not a twindb partial file; twindb replaces only partial files it wrote: remove it or choose another name`);
    expect(await fs.readFile(notes, 'utf8')).toBe('my notes');
    const files = await partials;
    const first = await fs.readFile(files[0]);
    await runPartialSearch({ target, pool, poolShard: { index: 0, count: 3 }, partial: files[0], ...matchOpts });
    expect((await fs.readFile(files[0])).equals(first)).toBe(true);
    expect((await fs.readdir(dir)).filter((f) => f.includes('.twindb-'))).toEqual([]);
  });

  it('refuses sharding flags that do not go together', async () => {
    const base = { target, pool, ...matchOpts };
    const msg = (o: Record<string, unknown>) =>
      runPartialSearch({ ...base, ...o }).then(
        () => 'accepted',
        (e: Error) => (e instanceof UsageError ? e.message : `not a UsageError: ${e.message}`),
      );
    expect(await msg({ poolShard: { index: 0, count: 2 } })).toMatch(/--pool-shard needs --partial/);
    expect(await msg({ poolShard: { index: 0, count: 2 }, partial: path.join(dir, 'p.arrow'), out: path.join(dir, 'o') })).toMatch(/a --pool-shard run writes only its --partial file; give --out to the --merge run/);
    expect(await msg({ poolShard: { index: 0, count: 2 }, partial: path.join(dir, 'p.arrow'), index: 'hnsw' })).toMatch(/--index hnsw cannot be split/);
    expect(await msg({ poolShard: { index: 2, count: 2 }, partial: path.join(dir, 'p.arrow') })).toMatch(/shard index must be below the shard count/);
    expect(await msg({ partial: path.join(dir, 'p.arrow'), out: path.join(dir, 'o') })).toMatch(/--partial is the output of a --pool-shard run/);
  });
});
