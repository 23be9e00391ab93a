import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { runTwindb as twindb, runTwindbExit } from '../../test/run-twindb.js';

/** Features in the seed's CSV layout (path,f0..f{d-1}), rows around a few centres. */
function csv(file: string, n: number, prefix: string, rng: Rng): void {
  const centres = [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
  ];
  const lines = ['path,f0,f1,f2,f3'];
  for (let i = 0; i < n; i++) {
    const c = centres[i % 3];
    lines.push([`${prefix}/${i}.png`, ...c.map((v) => (v + 0.2 * rng.normal()).toFixed(5))].join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('twindb sample', () => {
  it("accepts the seed script's flags and CSV features, writes the outputs, prints a JSON summary", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-sample-'));
    const rng = new Rng(2);
    csv(path.join(dir, 'target.csv'), 12, 't', rng);
    csv(path.join(dir, 'near.csv'), 90, 'p', rng);
    mkdirSync(path.join(dir, 'near_db', 'p'), { recursive: true });
    for (let i = 0; i < 90; i++) writeFileSync(path.join(dir, 'near_db', 'p', `${i}.png`), `fake ${i}`);
    const out = path.join(dir, 'new_db');
    const json = await twindb(
      'sample', '--target_csv', path.join(dir, 'target.csv'), '--near_csv', path.join(dir, 'near.csv'), '--save_dir', out,
      '--nn_factor', '2', '--dist_thr', '0.5', '--near_db', path.join(dir, 'near_db'), '--mode', 'union',
      '--materialize', 'copy', '--json',
    ); // prettier-ignore
    const report = JSON.parse(json.trim().split('\n').pop()!);
    expect(report.sizes.k).toBe(2);
    // Issue 12: --dist_thr is the fork's target de-duplication SIMILARITY, not a pool-distance threshold (as it was read before).
    expect(report.coverage.threshold).toBe(2);
    expect(report.targetDedup).toMatchObject({ rule: 'greedy', similarity: 0.5, targets: 12 });
    expect(existsSync(path.join(out, 'ImageSets', 'scan_nn2.txt'))).toBe(true);
    expect(report.materialized.written).toBe(report.sizes.selected);
    for (const f of ['selected.csv', 'selected.arrow', 'neighbors.arrow', 'uncovered-targets.csv', 'report.json']) {
      expect(existsSync(path.join(out, f))).toBe(true);
    }
    const rows = readFileSync(path.join(out, 'selected.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,path,label,weight,closest_target,distance,hits');
    expect(rows).toHaveLength(report.sizes.selected + 1);
    await expect(
      twindb('sample', '--target', path.join(dir, 'target.csv'), '--pool', path.join(dir, 'near.csv'), '--out', out),
    ).rejects.toThrow(/already exists/);
  });

  it('exits 4 with a warning naming the share and the uncovered-targets file when coverage is below --min-coverage, outputs written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-guard-'));
    const rng = new Rng(3);
    csv(path.join(dir, 'target.csv'), 12, 't', rng);
    csv(path.join(dir, 'near.csv'), 30, 'p', rng);
    const out = path.join(dir, 'new_db');
    const r = await runTwindbExit('sample', '--target', path.join(dir, 'target.csv'), '--pool', path.join(dir, 'near.csv'), '--out', out, '--mode', 'union', '--max-distance', '0.0001');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/coverage 0\.0 % \(0 of 12 targets\) is below --min-coverage 50\.0 %; the uncovered targets are listed in .*uncovered-targets\.csv/);
    expect(r.out).toContain('coverage'); // the summary is still printed
    expect(existsSync(path.join(out, 'report.json'))).toBe(true);
    const ok = await runTwindbExit('sample', '--target', path.join(dir, 'target.csv'), '--pool', path.join(dir, 'near.csv'), '--out', path.join(dir, 'b'), '--mode', 'union', '--max-distance', '0.0001', '--min-coverage', '0');
    expect(ok.code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
