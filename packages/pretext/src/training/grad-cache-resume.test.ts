import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '@twindb/core-tensors/backend';
import { decodeSafetensors } from '@twindb/core-tensors/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyConfig } from '../../test/training/tiny-config.js';
import { RUN_FILES, trainSimclr } from '../train-simclr.js';

const quiet = () => {};
const runDir = () => mkdtempSync(path.join(tmpdir(), 'pretext-grad-cache-'));
const weights = async (dir: string) => {
  const { tensors } = decodeSafetensors(await readFile(path.join(dir, RUN_FILES.model)), dir);
  return new Map([...tensors].map(([k, v]) => [k, Array.from(v.data)]));
};

describe('trainSimclr with grad_cache_chunk', () => {
  beforeAll(() => initBackend({ backend: 'wasm', log: () => {} }));

  it('trains by gradient caching, and 1 epoch + resume equals 2 epochs in one go, weight for weight', async () => {
    // batch 16 = 32 views in chunks of 8 (4 samples, both views each)
    const config = tinyConfig({ epochs: 2, grad_cache_chunk: 8, knn: { every: 0 } });
    const whole = runDir();
    const r = await trainSimclr({ config, runDir: whole, log: quiet });
    expect(r.history.map((h) => Number.isFinite(h.loss))).toEqual([true, true]);
    expect(r.history[1].numTensors).toBe(r.history[0].numTensors);

    const split = runDir();
    await trainSimclr({ config, runDir: split, log: quiet, untilEpoch: 1 });
    const second = await trainSimclr({ config, runDir: split, log: quiet, resume: true });
    expect(second.startEpoch).toBe(1);
    expect(second.finalLoss).toBe(r.finalLoss);
    expect(await weights(split)).toEqual(await weights(whole));

    // The chunked step was taken: per-chunk batch norm trains other weights than the single pass.
    const single = runDir();
    await trainSimclr({ config: tinyConfig({ epochs: 2, knn: { every: 0 } }), runDir: single, log: quiet });
    expect(await weights(single)).not.toEqual(await weights(whole));
  }, 120_000);
});
