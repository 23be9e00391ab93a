import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trainSimclr } from '@twindb/pretext';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../test-backend.js';
import { tinyConfig } from './tiny-config.js';

beforeAll(() => useBackend('wasm'));

describe('SimCLR on a few hundred MNIST digits', () => {
  // An untrained small CNN already scores far above chance on MNIST kNN, so learning is shown
  // against the untrained network on the same path (same images, transform and k), not against chance.
  it('lowers the loss and lifts kNN accuracy above the untrained network', { timeout: 180_000 }, async () => {
    const size = 16;
    const config = tinyConfig({
      train_db: 'mnist:pool?n=768',
      val_db: 'mnist:heldout?n=1000',
      image_size: size,
      batch_size: 128,
      epochs: 4,
      optimizer_kwargs: { lr: 0.002, weight_decay: 0.000001 },
      model_kwargs: { head: 'mlp', features_dim: 64 },
      augmentation_kwargs: { random_resized_crop: { size } },
      transformation_kwargs: { crop_size: size, normalize: { mean: [0.1307], std: [0.3081] } },
      knn: { every: 100, k: 20 }, // the last epoch is always evaluated
    });
    const r = await trainSimclr({ config, runDir: mkdtempSync(path.join(tmpdir(), 'pretext-learn-')), evaluateUntrained: true, log: () => {} });
    const losses = r.history.map((h) => h.loss);
    for (let e = 1; e < losses.length; e++) expect(losses[e]).toBeLessThan(losses[e - 1]);
    expect(losses.at(-1)!).toBeLessThan(losses[0] - 0.5);
    expect(r.untrained!.head.queries).toBe(1000);
    expect(r.knn!.head.weighted).toBeGreaterThan(r.untrained!.head.weighted + 0.03);
  });
});
