import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportFeaturesCsv, FeatureWriter, OutputPathError, Rng } from '@twindb/core-tensors';
import { runSample } from '../run-sample.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'nn-sampler-safety-'));
const dim = 8;
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

async function features(file: string, n: number, seed: number, encoderSha256?: string): Promise<string> {
  const rng = new Rng(seed);
  const w = await FeatureWriter.create(file, { encoder: 'enc@encoder.onnx', dim, normalized: false, db: 'db', ...(encoderSha256 ? { encoderSha256 } : {}) });
  const ids = Array.from({ length: n }, (_, i) => `${seed}-${i}`);
  await w.appendBatch({ ids, paths: ids, embeddings: Float32Array.from({ length: n * dim }, () => rng.normal()) });
  await w.close();
  return file;
}

const target = await features(path.join(dir, 'target.arrow'), 20, 1, HASH_A);
const pool = await features(path.join(dir, 'pool.arrow'), 200, 2, HASH_A);
const fast = { mode: 'union' as const, k: 2, reportSamples: 20, codebook: 0 };

function folderWith(name: string, files: Record<string, string>): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
    writeFileSync(path.join(d, f), text);
  }
  return d;
}

describe('sample --overwrite removes only what twindb wrote', () => {
  it('refuses a folder of unrelated files, and leaves them', async () => {
    const out = folderWith('foreign', { 'thesis.tex': 'years of work', 'photos/cat.jpg': 'meow' });
    const err = await runSample({ ...fast, target, pool: [pool], out, overwrite: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputPathError);
    expect((err as OutputPathError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/is not a twindb output folder .*photos\/cat\.jpg, thesis\.tex.*choose another output folder/);
    expect(readFileSync(path.join(out, 'thesis.tex'), 'utf8')).toBe('years of work');
  });

  it('refuses a folder holding an input feature file or the pool DB, and a regular file at --out', async () => {
    const out = folderWith('holds-input', {});
    const inner = await features(path.join(out, 'pool.arrow'), 50, 3, HASH_A);
    await expect(runSample({ ...fast, target, pool: [inner], out, overwrite: true })).rejects.toThrow(/holds the input .*pool\.arrow/);
    expect(existsSync(inner)).toBe(true);
    const db = folderWith('with-db', { 'db/images/x.png': 'png' });
    await expect(runSample({ ...fast, target, pool: [pool], out: db, overwrite: true, poolDb: path.join(db, 'db') })).rejects.toThrow(/holds the input .*db|overlaps the image DB/);
    expect(existsSync(path.join(db, 'db/images/x.png'))).toBe(true);
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'keep me');
    await expect(runSample({ ...fast, target, pool: [pool], out: file, overwrite: true })).rejects.toThrow(/is a file, not a twindb output folder/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('replaces its own output (manifest), but not once a foreign file was added to it', async () => {
    const out = path.join(dir, 'own');
    await runSample({ ...fast, target, pool: [pool], out });
    const manifest = JSON.parse(readFileSync(path.join(out, '.twindb-run.json'), 'utf8'));
    expect(manifest).toMatchObject({ tool: 'twindb', command: 'sample' });
    expect(manifest.files).toEqual(expect.arrayContaining(['report.json', 'selected.csv', 'selected.arrow', 'neighbors.arrow']));
    await runSample({ ...fast, target, pool: [pool], out, overwrite: true });
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await expect(runSample({ ...fast, target, pool: [pool], out, overwrite: true })).rejects.toThrow(/holds files twindb did not write: notes\.txt/);
    expect(readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('sample: encoders by content hash, temp files', () => {
  it('refuses features of two encoders with the same name but different hashes', async () => {
    const other = await features(path.join(dir, 'pool-b.arrow'), 100, 4, HASH_B);
    await expect(runSample({ ...fast, target, pool: [other], out: path.join(dir, 'mismatch') })).rejects.toThrow(/encoder "enc@encoder\.onnx" \(sha256 bbbbbbbbbbbb…\) vs .*aaaaaaaaaaaa…/);
    const r = await runSample({ ...fast, target, pool: [other], out: path.join(dir, 'mismatch-ok'), allowEncoderMismatch: true });
    expect(r.selection.pool.length).toBeGreaterThan(0);
  });

  it('converts CSV inputs in the output\'s temp area (no shared /tmp folder), leaves no temp, removes a killed run\'s leftovers', async () => {
    const csvT = path.join(dir, 't.csv');
    const csvP = path.join(dir, 'p.csv');
    await exportFeaturesCsv(target, csvT);
    await exportFeaturesCsv(pool, csvP);
    const scratch = path.join(os.tmpdir(), 'twindb-sample');
    const before = existsSync(scratch) ? readdirSync(scratch).length : 0;
    const parent = folderWith('csv-run', {});
    const out = path.join(parent, 'newdb');
    const dead = `.newdb.twindb-4194999-0badc0de.tmp`;
    mkdirSync(path.join(parent, dead));
    writeFileSync(path.join(parent, dead, 'selected.csv'), 'partial');
    const warnings: string[] = [];
    await runSample({ ...fast, target: csvT, pool: [csvP], out }, { log: (l) => warnings.push(l) });
    expect(readdirSync(parent)).toEqual(['newdb']);
    expect(warnings.join('\n')).toMatch(/removed .*twindb-4194999.*killed run/);
    expect(existsSync(scratch) ? readdirSync(scratch).length : 0).toBe(before);
  });
});
