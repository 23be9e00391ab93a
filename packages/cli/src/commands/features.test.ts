import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFeatures } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { runTwindb as twindb, runTwindbExit } from '../../test/run-twindb.js';

describe('twindb features', () => {
  it('imports the original scripts\' CSV, reports it, and exports it back unchanged', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-features-'));
    const csv = path.join(dir, 'target features.csv');
    writeFileSync(csv, 'path,f0,f1,f2\nimgs/a.png,0.5,-1.25,3\nimgs/b.png,1e-3,0,-2.5\n');
    const arrow = path.join(dir, 'target.arrow');
    await twindb('features', 'import-csv', csv, arrow, '--encoder', 'simclr-small-cnn', '--db', 'folder:/data/t');

    const loaded = await loadFeatures(arrow);
    expect(loaded.ids).toEqual(['imgs/a.png', 'imgs/b.png']);
    expect(Array.from(loaded.embeddings)).toEqual(Array.from(Float32Array.from([0.5, -1.25, 3, 1e-3, 0, -2.5])));

    const info = JSON.parse(await twindb('features', 'info', arrow));
    expect(info).toMatchObject({ rows: 2, meta: { dim: 3, encoder: 'simclr-small-cnn', db: 'folder:/data/t', normalized: false } });

    const back = path.join(dir, 'back.csv');
    await twindb('features', 'export-csv', arrow, back);
    expect(readFileSync(back, 'utf8').trim().split(/\r?\n/)).toEqual(['path,f0,f1,f2', 'imgs/a.png,0.5,-1.25,3', 'imgs/b.png,0.001,0,-2.5']);
  });

  it("imports the fork's headerless CSV (name,f0,f1,… as csv.writer wrote it) and exits 3 naming the line of a bad row", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-features-'));
    const csv = path.join(dir, 'near_features.csv');
    writeFileSync(csv, '"frame, 1.jpg",0.5,-1.25\r\n000002.jpg,1,2\r\n');
    const arrow = path.join(dir, 'near.arrow');
    await twindb('features', 'import-csv', csv, arrow);
    expect((await loadFeatures(arrow)).ids).toEqual(['frame, 1.jpg', '000002.jpg']);
    // and writes it back in that layout with --headerless, byte for byte
    const again = path.join(dir, 'again.csv');
    await twindb('features', 'export-csv', arrow, again, '--headerless');
    expect(readFileSync(again, 'utf8')).toBe('"frame, 1.jpg",0.5,-1.25\r\n000002.jpg,1,2\r\n');
    writeFileSync(csv, 'a.jpg,0.5,-1.25\nb.jpg,1\n');
    const bad = await runTwindbExit('features', 'import-csv', csv, path.join(dir, 'bad.arrow'));
    expect(bad.code).toBe(3);
    expect(bad.err).toContain(`${csv}: line 2: has 1 feature values after the name "b.jpg", the first row has 2`);
  });

  it('refuses to write over its input (exit 2, input unchanged) and writes `-` to stdout, not to a file named -', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-features-'));
    const csv = path.join(dir, 'a.csv');
    writeFileSync(csv, 'path,f0\nx.png,1.5\n');
    const r = await runTwindbExit('features', 'import-csv', csv, csv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/a\.csv is the input .*give another output name/);
    expect(readFileSync(csv, 'utf8')).toBe('path,f0\nx.png,1.5\n');
    const arrow = path.join(dir, 'a.arrow');
    expect((await runTwindbExit('features', 'import-csv', csv, arrow)).code).toBe(0);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const out = await runTwindbExit('features', 'export-csv', arrow, '-');
      expect(out.code).toBe(0);
      expect(out.out).toBe('path,f0\nx.png,1.5\n');
      expect(existsSync(path.join(dir, '-'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });
});
