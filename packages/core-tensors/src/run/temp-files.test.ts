import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPidAlive, liveTemps, parseTempName, removeLiveTemps, removeStaleTemps, tempPathFor, trackTemp } from './temp-files.js';

/** A pid that is certainly dead: above the kernel's pid_max. */
const DEAD = 4_194_999;

describe('temp files', () => {
  it('are named next to the final path, recognisably, with the writer pid', () => {
    const t = tempPathFor('/data/out/pool.arrow');
    expect(path.dirname(t)).toBe('/data/out');
    expect(path.basename(t)).toMatch(new RegExp(`^\\.pool\\.arrow\\.twindb-${process.pid}-[0-9a-f]{8}\\.tmp$`));
    expect(parseTempName(path.basename(t))).toEqual({ finalName: 'pool.arrow', pid: process.pid, legacy: false });
    expect(parseTempName('.x.arrow.123.0badc0de.tmp')).toEqual({ finalName: 'x.arrow', pid: 123, legacy: true });
    expect(parseTempName('newdb.tmp-77-1700000000000')).toEqual({ finalName: 'newdb', pid: 77, legacy: true });
    expect(parseTempName('pool.arrow')).toBeUndefined();
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(DEAD)).toBe(false);
  });

  it('leftovers of dead pids are removed, those of live processes and foreign files are kept', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-temps-'));
    const names = [
      `.pool.arrow.twindb-${DEAD}-00aa11bb.tmp`, // dead: removed
      `.pool.arrow.twindb-${process.pid}-00aa11bb.tmp`, // ours, live: kept
      `.x.arrow.${DEAD}.0badc0de.tmp`, // legacy, dead, asked for: removed
      `newdb.tmp-${DEAD}-1700000000000`, // legacy folder, dead, asked for
      `notes.tmp-${DEAD}`, // legacy-looking, not an output we write: kept
      'pool.arrow',
    ];
    for (const n of names) {
      if (n.startsWith('newdb')) mkdirSync(path.join(dir, n));
      else writeFileSync(path.join(dir, n), 'x');
    }
    const removed = removeStaleTemps(dir, ['pool.arrow', 'x.arrow', 'newdb']).map((p) => path.basename(p));
    expect(removed.sort()).toEqual([names[0], names[2], names[3]].sort());
    expect(readdirSync(dir).sort()).toEqual([names[1], names[4], names[5]].sort());
    // Without a list of outputs only the current naming is recognised.
    writeFileSync(path.join(dir, names[0]), 'x');
    expect(removeStaleTemps(dir).map((p) => path.basename(p))).toEqual([names[0]]);
  });

  it('the live registry is swept synchronously', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-temps-'));
    const t = tempPathFor(path.join(dir, 'a.csv'));
    writeFileSync(t, 'x');
    trackTemp(t);
    expect(liveTemps()).toContain(t);
    removeLiveTemps();
    expect(existsSync(t)).toBe(false);
    expect(liveTemps()).toEqual([]);
  });
});
