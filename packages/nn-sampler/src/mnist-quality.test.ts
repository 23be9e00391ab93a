import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSample } from './run-sample.js';
import { type ClassMix } from './report/class-mix.js';
import { mnistPixelSources } from '../test/mnist-fixture.js';

/**
 * Quality on real data with no training: embeddings = raw MNIST pixels of mnist:pool (8,000 digits,
 * all classes), targets drawn from mnist:heldout. Numbers are printed next to a random pool sample
 * of the same size.
 */
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nn-sampler-mnist-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const cases = {
  '(a) 500 digits of classes 0-4, uniform': { 0: 100, 1: 100, 2: 100, 3: 100, 4: 100 },
  '(b) 400 digits: 40% threes, 35% fives, 25% eights': { 3: 160, 5: 140, 8: 100 },
};

function line(name: string, m: ClassMix): string {
  return `${name.padEnd(8)} n=${m.selected.reduce((a, b) => a + b, 0)} precision=${m.precision.toFixed(3)} TV=${m.tv.toFixed(3)} TVweighted=${m.tvWeighted.toFixed(3)} yield=${m.yield.toFixed(3)}`;
}

describe('MNIST raw pixels, K = 5', () => {
  for (const [name, mix] of Object.entries(cases)) {
    it(`${name}: match mode beats the bar; union's weighted TV ≤ 0.05`, async () => {
      const s = await mnistPixelSources(mix, 1);
      const match = await runSample({ target: s.target, pool: [s.pool], out: path.join(dir, `${name.slice(1, 2)}-match`), k: 5, reportSamples: 200 });
      const union = await runSample({ target: s.target, pool: [s.pool], out: path.join(dir, `${name.slice(1, 2)}-union`), k: 5, mode: 'union', reportSamples: 200 });
      const m = match.report.match!.classes!;
      const u = union.report.match!.classes!;
      const f = match.report.match!;
      console.log(
        `${name}\n  ${line('match', m.selected)}\n  ${line('random', m.randomSample)}\n  ${line('union', u.selected)}\n` +
          `  feature space (selected / random / pool): MMD² ${f.selected.mmd2} / ${f.randomSample.mmd2} / ${f.pool.mmd2}; ` +
          `Fréchet ${f.selected.frechet} / ${f.randomSample.frechet} / ${f.pool.frechet}; KL reduction ${f.selected.klReduction} / ${f.randomSample.klReduction}; ` +
          `k-NN precision ${f.selected.precision} / ${f.randomSample.precision}, recall ${f.selected.recall} / ${f.randomSample.recall}`,
      );
      expect(m.selected.precision).toBeGreaterThanOrEqual(0.95);
      expect(m.selected.tv).toBeLessThanOrEqual(0.05);
      expect(m.selected.yield).toBeGreaterThanOrEqual(0.5);
      expect(u.selected.tvWeighted).toBeLessThanOrEqual(0.05);
      // The selection is closer to the target than a random sample of the same size.
      expect(f.selected.mmd2).toBeLessThan(f.randomSample.mmd2);
      expect(f.selected.klReduction).toBeGreaterThan(f.randomSample.klReduction);
    });
  }
});
