import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';
import { Progress, formatDuration } from './progress.js';
import { RunLog } from './run-log.js';

describe('Progress', () => {
  it('prints rate and ETA from the items done so far', () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress('extract', 100, { write: (l) => lines.push(l), intervalMs: 0, unit: 'img', now: () => t });
    t = 10_000;
    p.tick(25);
    expect(lines.at(-1)).toBe('extract 25/100 (25.0%) · 2.50 img/s · elapsed 0:10 · ETA 0:30');
    t = 40_000;
    p.tick(75, 'loss 0.5');
    expect(lines.at(-1)).toBe('extract 100/100 (100.0%) · 2.50 img/s · elapsed 0:40 · done · loss 0.5');
  });

  it('throttles lines to the interval but always prints the last one', () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress('x', 10, { write: (l) => lines.push(l), intervalMs: 1000, now: () => t });
    for (let i = 0; i < 10; i++) {
      t += 100;
      p.tick();
    }
    expect(lines.length).toBe(2); // the first tick, then the final one
  });

  it('formats durations', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });
});

describe('RunLog and atomic files', () => {
  it('appends JSON lines and writes the summary atomically', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-runlog-'));
    const log = new RunLog(dir, 'sample');
    log.event('start', { k: 5 });
    log.event('end', { selected: 10 });
    await log.summary({ selected: 10 });
    const lines = readFileSync(log.logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['start', 'end']);
    expect(lines[0]).toMatchObject({ step: 'sample', k: 5 });
    expect(JSON.parse(readFileSync(log.summaryPath, 'utf8'))).toEqual({ step: 'sample', selected: 10 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves no temp file and keeps the old content when the write fails', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-atomic-'));
    const target = path.join(dir, 'missing-dir', 'out.json');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
