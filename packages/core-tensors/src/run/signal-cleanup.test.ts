import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installSignalCleanup } from './signal-cleanup.js';
import { tempPathFor, trackTemp } from './temp-files.js';

describe('installSignalCleanup', () => {
  it('removes the live temps and exits 130 on SIGINT, 143 on SIGTERM', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-signal-'));
    const codes: number[] = [];
    const lines: string[] = [];
    const uninstall = installSignalCleanup({ exit: (c) => codes.push(c), log: (l) => lines.push(l) });
    try {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        const t = tempPathFor(path.join(dir, 'out.arrow'));
        writeFileSync(t, 'partial');
        trackTemp(t);
        process.emit(signal);
        expect(existsSync(t)).toBe(false);
      }
      expect(codes).toEqual([130, 143]);
      expect(lines[0]).toMatch(/SIGINT received; removing temp files/);
    } finally {
      uninstall();
    }
  });
});
