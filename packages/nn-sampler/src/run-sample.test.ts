import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFeatures, Rng } from '@twindb/core-tensors';
import { memoryFeatureSource } from './search/feature-source.js';
import { runSample, SampleGuardError } from './run-sample.js';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nn-sampler-test-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

function clustered(n: number, dim: number, centres: number, rng: Rng, prefix: string) {
  const c = Array.from({ length: centres * dim }, () => rng.normal());
  const e = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % centres;
    for (let j = 0; j < dim; j++) e[i * dim + j] = c[labels[i] * dim + j] + 0.3 * rng.normal();
  }
  return { e, labels, ids: Array.from({ length: n }, (_, i) => `${prefix}${i}`) };
}

const rng = new Rng(12);
const dim = 16;
const P = clustered(600, dim, 4, rng, 'p');
const T = clustered(40, dim, 4, rng, 't');
const target = () => memoryFeatureSource({ name: 'target', embeddings: T.e, dim, ids: T.ids, labels: T.labels, encoder: 'enc' });
const poolWhole = () => [memoryFeatureSource({ name: 'pool', embeddings: P.e, dim, ids: P.ids, labels: P.labels, encoder: 'enc', batchRows: 128 })];
const poolShards = () => [
  memoryFeatureSource({ name: 'shard0', embeddings: P.e.subarray(0, 250 * dim), dim, ids: P.ids.slice(0, 250), labels: P.labels.subarray(0, 250), encoder: 'enc' }),
  memoryFeatureSource({ name: 'shard1', embeddings: P.e.subarray(250 * dim), dim, ids: P.ids.slice(250), labels: P.labels.subarray(250), encoder: 'enc', batchRows: 100 }),
];

describe('runSample', () => {
  for (const mode of ['union', 'quota', 'match'] as const) {
    it(`${mode}: sharded pool = unsharded pool, weights sum to covered targets`, async () => {
      const common = { target: target(), mode, k: 3, maxDistance: 0.5, reportSamples: 60, codebook: 8, minCoverage: 0 }; // 27.5 % covered: below the default guard
      const a = await runSample({ ...common, pool: poolWhole(), out: path.join(dir, `${mode}-a`) });
      const b = await runSample({ ...common, target: target(), pool: poolShards(), out: path.join(dir, `${mode}-b`) });
      expect(Array.from(b.selection.pool)).toEqual(Array.from(a.selection.pool));
      expect(Array.from(b.selection.weight)).toEqual(Array.from(a.selection.weight));
      const covered = a.report.coverage as { covered: number };
      expect(a.selection.weight.reduce((s, w) => s + w, 0)).toBeCloseTo(covered.covered, 9);
      const csv = await fs.readFile(path.join(dir, `${mode}-a`, 'selected.csv'), 'utf8');
      expect(csv.trim().split('\n')).toHaveLength(a.selection.pool.length + 1);
      const arrow = await loadFeatures(path.join(dir, `${mode}-a`, 'selected.arrow'));
      expect(arrow.rows).toBe(a.selection.pool.length);
      expect(arrow.ids).toEqual(Array.from(a.selection.pool, (g) => P.ids[g]));
    });
  }

  it('refuses an existing output folder without overwrite, and bad inputs with the file and row named', async () => {
    const out = path.join(dir, 'exists');
    await fs.mkdir(out);
    await expect(runSample({ target: target(), pool: poolWhole(), out })).rejects.toThrow(/already exists.*--overwrite/);
    const bad = Float32Array.from(T.e);
    bad[5 * dim + 2] = NaN;
    await expect(
      runSample({ target: memoryFeatureSource({ name: 'bad-target', embeddings: bad, dim, encoder: 'enc' }), pool: poolWhole(), out: path.join(dir, 'x1') }),
    ).rejects.toThrow(/bad-target: row 5/);
    await expect(
      runSample({ target: memoryFeatureSource({ name: 'other', embeddings: T.e, dim, encoder: 'other-enc' }), pool: poolWhole(), out: path.join(dir, 'x2') }),
    ).rejects.toThrow(/encoder.*allow-encoder-mismatch/);
    await expect(
      runSample({ target: memoryFeatureSource({ name: 'narrow', embeddings: T.e.subarray(0, 40 * 8), dim: 8, encoder: 'enc' }), pool: poolWhole(), out: path.join(dir, 'x3') }),
    ).rejects.toThrow(/dim 16 differs/);
    await expect(
      runSample({ target: memoryFeatureSource({ name: 'empty', embeddings: new Float32Array(0), dim, encoder: 'enc' }), pool: poolWhole(), out: path.join(dir, 'x4') }),
    ).rejects.toThrow(/empty/);
    await expect(runSample({ target: target(), pool: poolWhole(), out: path.join(dir, 'x5'), k: 0 })).rejects.toThrow(/k must be/);
    await expect(runSample({ target: target(), pool: poolWhole(), out: path.join(dir, 'x6'), maxDistance: 2.5 })).rejects.toThrow(/\[0, 2\]/);
    const dupIds = [...P.ids.slice(0, 250), ...P.ids.slice(0, 350)];
    await expect(
      runSample({ target: target(), pool: [memoryFeatureSource({ name: 'dups', embeddings: P.e, dim, ids: dupIds, encoder: 'enc' })], out: path.join(dir, 'x7') }),
    ).rejects.toThrow(/dups: row 250: duplicate id "p0"/);
  });

  it('clamps k larger than the pool with a warning, lists uncovered targets and drops near-duplicates', async () => {
    const small = memoryFeatureSource({ name: 'small', embeddings: P.e.subarray(0, 5 * dim), dim, ids: P.ids.slice(0, 5), encoder: 'enc' });
    const r = await runSample({ target: target(), pool: [small], out: path.join(dir, 'clamp'), mode: 'union', k: 9, maxDistance: 0.3, reportSamples: 30, minCoverage: 0 });
    expect(r.warnings.join()).toMatch(/k = 9 is larger than the pool \(5 rows\)/);
    const unc = (await fs.readFile(path.join(dir, 'clamp', 'uncovered-targets.csv'), 'utf8')).trim().split('\n');
    expect(unc.length - 1).toBe((r.report.coverage as { uncovered: number }).uncovered);
    const d = await runSample({ target: target(), pool: poolWhole(), out: path.join(dir, 'dedup'), mode: 'union', k: 5, dedup: 0.2, reportSamples: 30 });
    const dd = d.report.dedup as { dropped: number; kept: number };
    expect(dd.dropped).toBeGreaterThan(0);
    expect(d.selection.weight.reduce((s, w) => s + w, 0)).toBeCloseTo(40, 9);
  });

  it('coverage below --min-coverage: the outputs are written, a warning names the share and the file, and a GuardError (exit 4) carries the result', async () => {
    const small = memoryFeatureSource({ name: 'small', embeddings: P.e.subarray(0, 5 * dim), dim, ids: P.ids.slice(0, 5), encoder: 'enc' });
    const out = path.join(dir, 'guard');
    const err = await runSample({ target: target(), pool: [small], out, mode: 'union', k: 2, maxDistance: 0.3, reportSamples: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SampleGuardError);
    const g = err as SampleGuardError;
    expect(g.exitCode).toBe(4);
    expect(g.message).toMatch(/^coverage 0\.0 % \(0 of 40 targets\) is below --min-coverage 50\.0 %; the uncovered targets are listed in .*guard\/uncovered-targets\.csv$/);
    expect(g.result.report.guard).toEqual({ minCoverage: 0.5, passed: false });
    const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
    expect(report.warnings.join('\n')).toContain('below --min-coverage');
  });

  it('--target-dedup removes near-duplicate targets in any mode, greedily against every kept target', async () => {
    // 10 distinct targets, each followed by 3 near-identical "frames".
    const base = T.e.subarray(0, 10 * dim);
    const e = new Float32Array(40 * dim);
    const r = new Rng(3);
    for (let i = 0; i < 40; i++) for (let j = 0; j < dim; j++) e[i * dim + j] = base[Math.floor(i / 4) * dim + j] + (i % 4 ? 0.002 * r.normal() : 0);
    const frames = memoryFeatureSource({ name: 'frames', embeddings: e, dim, ids: Array.from({ length: 40 }, (_, i) => `f${i}`), encoder: 'enc' });
    const out = path.join(dir, 'tdedup');
    const d = await runSample({ target: frames, pool: poolWhole(), out, mode: 'match', k: 3, targetDedup: 0.99, reportSamples: 30, codebook: 8 });
    expect(d.report.targetDedup).toMatchObject({ rule: 'greedy', similarity: 0.99, targets: 40, removed: 30, kept: 10 });
    expect(d.report.sizes.target).toBe(10);
    expect(d.report.nnMaker).toBeUndefined(); // no seed outputs off the seed path
    const removed = (await fs.readFile(path.join(out, 'removed-targets.csv'), 'utf8')).trim().split('\n');
    expect(removed[1]).toMatch(/^f1,f0,0\.99/);
    expect(removed).toHaveLength(31);
  });

  it('HNSW (two worker threads, one index per shard piece) reaches high recall@k against exact search', async () => {
    const r = await runSample({ target: target(), pool: poolShards(), out: path.join(dir, 'hnsw'), mode: 'union', k: 5, index: 'hnsw', checkRecall: 40, reportSamples: 30 });
    const s = r.report.search as { index: string; recall: { recall: number; targets: number } };
    expect(s.index).toBe('hnsw');
    expect(s.recall.targets).toBe(40);
    expect(s.recall.recall).toBeGreaterThanOrEqual(0.95);
  });
});
