import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openImageSource } from '@twindb/core-tensors/data';
import { describe, expect, it } from 'vitest';
import { runTwindbExit as twindb } from '../../test/run-twindb.js';

describe('twindb eval', () => {
  it('scores a predictions file against a labelled DB: permuted cluster ids are still all right, one wrong row costs 1/n', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-eval-'));
    const db = 'mnist:heldout?classes=0-2&n=30';
    const records = (await openImageSource(db)).records;
    const permute = [2, 0, 1];
    const rows = records.map((r, i) => [r.id, '', r.label, permute[r.label!] + (i === 0 ? 1 : 0) === 3 ? 0 : permute[r.label!] + (i === 0 ? 1 : 0), 0.9]);
    writeFileSync(path.join(dir, 'predictions.csv'), ['id,path,label,cluster,confidence', ...rows.map((r) => r.join(','))].join('\n') + '\n');
    const r = await twindb('eval', '--predictions', path.join(dir, 'predictions.csv'), '--db', db, '--out', dir, '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out) as { n: number; acc: number; classes: number };
    expect(s.n).toBe(30);
    expect(s.classes).toBe(3);
    expect(s.acc).toBeCloseTo(29 / 30, 10);
  });

  it('exit 3 when no row of the predictions is in the DB, exit 2 without --predictions or --classifier', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-eval-bad-'));
    writeFileSync(path.join(dir, 'p.csv'), 'id,path,label,cluster,confidence\nnot-in-db,,1,0,0.5\n');
    const r = await twindb('eval', '--predictions', path.join(dir, 'p.csv'), '--db', 'mnist:heldout?n=10');
    expect(r.code).toBe(3);
    expect(r.err).toContain('none of its 1 ids');
    expect((await twindb('eval', '--db', 'mnist:heldout')).code).toBe(2);
  });
});
