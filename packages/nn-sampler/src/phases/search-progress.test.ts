import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Progress, Rng } from '@twindb/core-tensors';
import { memoryFeatureSource } from '../search/feature-source.js';
import { runSample } from '../run-sample.js';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nn-sampler-progress-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** A Progress that counts what it was told. */
class Counted extends Progress {
  ticked = 0;
  override tick(n = 1, note?: string): void {
    this.ticked += n;
    super.tick(n, note);
  }
}

describe('twindb sample progress', () => {
  const rng = new Rng(5);
  const dim = 8;
  const vectors = (n: number) => Float32Array.from({ length: n * dim }, () => rng.normal());
  const pool = vectors(4500);
  const target = vectors(30);

  for (const index of ['exact', 'hnsw'] as const) {
    it(`${index}: one progress over every pool row, ticked to the end`, async () => {
      const bars: Counted[] = [];
      const progress = (label: string, total: number, unit?: string) => {
        const p = new Counted(label, total, { unit, write: () => {} });
        bars.push(p);
        return p;
      };
      await runSample(
        {
          target: memoryFeatureSource({ name: 't', embeddings: target, dim, encoder: 'e' }),
          pool: [memoryFeatureSource({ name: 'p', embeddings: pool, dim, encoder: 'e', batchRows: 1000 })],
          out: path.join(dir, index),
          mode: 'union',
          k: 3,
          index,
          jobs: 1,
          reportSamples: 20,
          minCoverage: 0,
        },
        { log: () => {}, progress },
      );
      const bar = bars.find((b) => b.label === (index === 'exact' ? 'search' : 'hnsw index'));
      expect(bar, bars.map((b) => b.label).join(', ')).toBeDefined();
      expect(bar!.total).toBe(4500);
      expect(bar!.ticked).toBe(4500);
    }, 60_000);
  }
});
