import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pretextSection } from './pretext-section.js';

describe('pretextSection', () => {
  it('draws the loss and both kNN curves (epoch 0 = untrained) from train-log.jsonl, skipping a torn line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-pretext-'));
    const knn = (h: number, b: number) => ({ head: { weighted: h, majority: h, k: 20 }, backbone: { weighted: b }, seconds: 1 });
    writeFileSync(
      path.join(dir, 'train-log.jsonl'),
      [
        { epoch: 0, knn: knn(0.7, 0.6) },
        { epoch: 1, lr: 0.001, loss: 5.1, imagesPerSecond: 300 },
        { epoch: 2, lr: 0.001, loss: 4.2, imagesPerSecond: 310, knn: knn(0.9, 0.85) },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n{"epoch": 3, "lo',
    );
    const s = await pretextSection(dir);
    expect(s.missing).toEqual([]);
    const charts = s.html.match(/<svg [^>]*data-chart="line"/g) ?? [];
    expect(charts).toHaveLength(2);
    expect(s.html).toContain('kNN accuracy on val_db (20-NN)');
    // loss: 2 epochs; kNN: 2 measurements × 2 series
    const loss = s.html.slice(0, s.html.indexOf('kNN accuracy'));
    expect(loss.match(/class="point"/g)).toHaveLength(2);
    expect(s.html.slice(s.html.indexOf('kNN accuracy')).match(/class="point"/g)).toHaveLength(4);
  });

  it('says what is missing: no run, or a run without kNN monitoring', async () => {
    expect((await pretextSection(undefined)).missing[0]).toMatch(/No pretext run here/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-pretext-'));
    writeFileSync(path.join(dir, 'train-log.jsonl'), `${JSON.stringify({ epoch: 1, loss: 4.5 })}\n`);
    const s = await pretextSection(dir);
    expect(s.missing).toHaveLength(1);
    expect(s.missing[0]).toMatch(/No kNN curve/);
    expect(s.html.match(/data-chart="line"/g)).toHaveLength(1);
  });
});
