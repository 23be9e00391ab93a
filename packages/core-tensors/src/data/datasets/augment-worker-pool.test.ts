import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors/twindb-error.js';
import { strongTransform } from '../augment/strategies/strong-transform.js';
import { simclrTransform } from '../augment/strategies/simclr-transform.js';
import { valTransform } from '../augment/strategies/val-transform.js';
import { syntheticScene } from '../augment/test-images.js';
import { writeImageFile } from '../decode/write-image-file.js';
import { RejectedImages } from '../decode/rejected-images.js';
import type { ImageU8 } from '../image.js';
import { openFolderSource } from '../sources/folder-source.js';
import type { ImageSource } from '../sources/image-source.js';
import { subsetSource } from '../sources/subset-source.js';
import { type AugmentedBatch, AugmentedDataset } from './augmented-dataset.js';
import { augmentPoolTuning, augmentWorkerTasksDone, liveAugmentWorkers } from './augment-worker-pool.js';
import { resolveDatasetWorkers } from './dataset-workers.js';

const NORM = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
const simclr = (size: number) =>
  simclrTransform({
    random_resized_crop: { size },
    color_jitter_random_apply: { p: 0.8 },
    color_jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
    random_grayscale: { p: 0.2 },
    normalize: NORM,
  });
const strong = strongTransform({ crop_size: 16, normalize: NORM, num_strong_augs: 4, cutout_kwargs: { n_holes: 1, length: 8 } });
const val = valTransform({ crop_size: 16, normalize: NORM });

/** In-memory scenes (the main thread decodes and posts pixels); `bad` fail like unreadable files. */
function memorySource(n: number): ImageSource {
  const imgs: ImageU8[] = Array.from({ length: n }, (_, i) => syntheticScene(20, i + 1));
  return { name: 'scenes', records: imgs.map((_, i) => ({ id: `s${i}`, label: i % 3 })), load: async (i) => imgs[i] };
}

async function collect(g: AsyncGenerator<AugmentedBatch>): Promise<AugmentedBatch[]> {
  const out: AugmentedBatch[] = [];
  for await (const b of g) out.push(b);
  return out;
}

const bytes = (batches: AugmentedBatch[]) =>
  batches.map((b) => ({
    indices: Array.from(b.indices),
    targets: Array.from(b.targets),
    shape: b.shape,
    image: Buffer.from(b.image.buffer, b.image.byteOffset, b.image.byteLength).toString('base64'),
    augmented: Buffer.from(b.augmented.buffer, b.augmented.byteOffset, b.augmented.byteLength).toString('base64'),
  }));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'twindb-augment-workers-'));
  // 13 files (one unreadable) so that batches of 4 end short and a rejected image shifts the rows.
  for (let i = 0; i < 12; i++) await writeImageFile(syntheticScene(24, i + 1), path.join(dir, `img_${String(i).padStart(2, '0')}.png`));
  await writeFile(path.join(dir, 'img_05b.png'), 'not a png');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('AugmentedDataset workers', () => {
  it('gives byte-identical batches with 0, 1 and 3 workers (files decoded in the workers, an unreadable one skipped)', async () => {
    const source = await openFolderSource(dir, { format: { size: 24 } });
    expect(source.fileFormat).toEqual({ size: 24 });
    const run = async (workers: number) => {
      const rejected = new RejectedImages(() => {});
      const ds = new AugmentedDataset(source, { transform: simclr(16), seed: 11, workers, rejected, concurrency: 3 });
      expect(ds.workers).toBe(workers);
      const done = augmentWorkerTasksDone();
      const batches = [...(await collect(ds.batches({ batchSize: 4, dropLast: false, epoch: 2 })))];
      // Every readable image went through a worker (none was made on this thread while they started).
      expect(augmentWorkerTasksDone() - done).toBe(workers > 0 ? 12 : 0);
      return { batches: bytes(batches), rejected: rejected.count };
    };
    augmentPoolTuning.ownerWorksWhileStarting = false;
    try {
      const w0 = await run(0);
      expect(w0.batches.map((b) => b.indices.length)).toEqual([4, 4, 4]);
      expect(w0.rejected).toBe(1);
      expect(await run(1)).toEqual(w0);
      expect(await run(3)).toEqual(w0);
    } finally {
      augmentPoolTuning.ownerWorksWhileStarting = true;
    }
    expect(liveAugmentWorkers()).toBe(0);
  });

  it('gives byte-identical batches with 0 and 3 workers for posted pixels, a subset and two strategies (ours + val), this thread helping while they start', async () => {
    const source = subsetSource(memorySource(11), [10, 3, 4, 0, 7, 8, 1, 2, 9]);
    const run = async (workers: number) => {
      const ds = new AugmentedDataset(source, { transform: { standard: val, augment: strong }, seed: 5, workers });
      return bytes(await collect(ds.batches({ batchSize: 4, epoch: 1 })));
    };
    const w0 = await run(0);
    expect(w0).toHaveLength(2);
    expect(await run(3)).toEqual(w0);
    // Another epoch gives other views (the epoch reaches the workers).
    const e2 = bytes(await collect(new AugmentedDataset(source, { transform: { standard: val, augment: strong }, seed: 5, workers: 3 }).batches({ batchSize: 4, epoch: 2 })));
    expect(e2[0].augmented).not.toEqual(w0[0].augmented);
  });

  it('terminates its workers on an early break and on an error', async () => {
    const ds = new AugmentedDataset(memorySource(40), { transform: simclr(16), seed: 1, workers: 2 });
    let seen = 0;
    for await (const b of ds.batches({ batchSize: 4 })) {
      seen += b.indices.length;
      expect(liveAugmentWorkers()).toBe(2);
      break;
    }
    expect(seen).toBe(4);
    expect(liveAugmentWorkers()).toBe(0);

    const failing: ImageSource = { ...memorySource(40), load: async (i) => (i === 9 ? Promise.reject(new Error('disk on fire')) : syntheticScene(20, i + 1)) };
    const bad = new AugmentedDataset(failing, { transform: simclr(16), workers: 2 });
    await expect(collect(bad.batches({ batchSize: 4, shuffle: false }))).rejects.toThrow(/disk on fire/);
    expect(liveAugmentWorkers()).toBe(0);
  });

  it('lets the process exit after an early break from a worker-backed loop', async () => {
    const script = path.join(dir, 'early-break.mts');
    const data = new URL('../index.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { AugmentedDataset, openFolderSource, simclrTransform } from ${JSON.stringify(data)};
const source = await openFolderSource(${JSON.stringify(dir)}, { format: { size: 24 } });
const t = simclrTransform({ random_resized_crop: { size: 16 }, color_jitter_random_apply: { p: 0.8 }, color_jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }, random_grayscale: { p: 0.2 }, normalize: { mean: [0.5], std: [0.25] } });
const ds = new AugmentedDataset(source, { transform: t, workers: 2 });
for await (const b of ds.batches({ batchSize: 2 })) { process.stdout.write(\`batch \${b.indices.length}\\n\`); break; }
`,
    );
    const tsx = fileURLToPath(import.meta.resolve?.('tsx') ?? new URL('../../../../../node_modules/tsx/dist/loader.mjs', import.meta.url));
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, script], { timeout: 30_000, killSignal: 'SIGKILL' });
    expect(stdout.trim()).toBe('batch 2');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it("'auto' uses workers only for strategy transforms with views of at least 64 px, on 2+ cores; a count with a custom transform is refused", () => {
    expect(resolveDatasetWorkers('auto', [simclr(96)], 2)).toBe(2);
    expect(resolveDatasetWorkers(undefined, [simclr(96), val], 4)).toBe(4);
    expect(resolveDatasetWorkers('auto', [simclr(32)], 2)).toBe(0);
    expect(resolveDatasetWorkers('auto', [simclr(96)], 1)).toBe(0);
    const custom = () => ({ width: 1, height: 1, channels: 1, data: new Float32Array(1) });
    expect(resolveDatasetWorkers('auto', [custom], 4)).toBe(0);
    expect(resolveDatasetWorkers(0, [custom], 4)).toBe(0);
    expect(() => resolveDatasetWorkers(2, [custom], 4)).toThrow(UsageError);
    expect(() => resolveDatasetWorkers(-1 as never, [simclr(96)], 4)).toThrow(/workers: /);
  });
});
