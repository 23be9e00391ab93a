import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateRun } from './locate-run.js';

describe('locateRun', () => {
  it('a pipeline run folder: each step in its sub-folder, features/ for the map', async () => {
    const run = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-locate-'));
    for (const [d, f] of [
      ['pretext', 'train-log.jsonl'],
      ['newdb', 'report.json'],
      ['scan', 'scan.summary.json'],
      ['features', 'target.arrow'],
      ['features', 'pool.arrow'],
    ]) {
      mkdirSync(path.join(run, d), { recursive: true });
      writeFileSync(path.join(run, d, f), '{}');
    }
    const l = await locateRun(run);
    expect(l).toMatchObject({ kind: 'pipeline', pretext: path.join(run, 'pretext'), newdb: path.join(run, 'newdb'), scan: path.join(run, 'scan'), selflabel: undefined });
    expect(l.targetFeatures).toBe(path.join(run, 'features', 'target.arrow'));
    expect(l.poolFeatures).toEqual([path.join(run, 'features', 'pool.arrow')]);
  });

  it('a lone sample folder: the feature files its report.json names', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-locate-'));
    const out = path.join(dir, 'newdb');
    mkdirSync(out);
    writeFileSync(path.join(dir, 't.arrow'), '');
    writeFileSync(path.join(out, 'report.json'), JSON.stringify({ options: { target: path.join(dir, 't.arrow'), pool: [path.join(dir, 'gone.arrow')] } }));
    const l = await locateRun(out);
    expect(l).toMatchObject({ kind: 'sample', newdb: out, targetFeatures: path.join(dir, 't.arrow'), poolFeatures: [] });
  });

  it('no twindb output, or not a folder: a usage error saying what it looked for', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-locate-'));
    await expect(locateRun(dir)).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('no twindb run output found') });
    await expect(locateRun(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'usage' });
  });
});
