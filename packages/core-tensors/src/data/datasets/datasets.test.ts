import { describe, expect, it } from 'vitest';
import { ImageReadError } from '../decode/image-read-error.js';
import { RejectedImages } from '../decode/rejected-images.js';
import type { ImageU8 } from '../image.js';
import { normalize } from '../augment/normalize.js';
import { simclrTransform } from '../augment/strategies/simclr-transform.js';
import { valTransform } from '../augment/strategies/val-transform.js';
import { syntheticScene } from '../augment/test-images.js';
import type { ImageSource } from '../sources/image-source.js';
import { AugmentedDataset } from './augmented-dataset.js';
import { NeighborsDataset } from './neighbors-dataset.js';

const NORM = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
const simclr = simclrTransform({
  random_resized_crop: { size: 16 },
  color_jitter_random_apply: { p: 0.8 },
  color_jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  random_grayscale: { p: 0.2 },
  normalize: NORM,
});
const val = valTransform({ crop_size: 16, normalize: NORM });

/** n distinct 16×16 scenes; indices in `bad` fail like unreadable files. */
function sceneSource(n: number, bad: number[] = []): ImageSource {
  const imgs: ImageU8[] = Array.from({ length: n }, (_, i) => syntheticScene(16, i + 1));
  return {
    name: 'scenes',
    records: imgs.map((_, i) => ({ id: `s${i}`, path: `/fake/s${i}.png`, label: i % 3 })),
    classNames: ['a', 'b', 'c'],
    load: async (i) => {
      if (bad.includes(i)) throw new ImageReadError(`/fake/s${i}.png`, 'truncated file');
      return imgs[i];
    },
  };
}

async function collect<T>(g: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

describe('AugmentedDataset', () => {
  it('yields NHWC batches of two independent views in a seeded order that changes per epoch', async () => {
    const ds = new AugmentedDataset(sceneSource(10), { transform: simclr, seed: 4, concurrency: 3 });
    const e0 = await collect(ds.batches({ batchSize: 4, epoch: 0 }));
    expect(e0).toHaveLength(2); // drop_last: 10 = 4 + 4 + (2 dropped)
    expect(e0[0].shape).toEqual([4, 16, 16, 3]);
    expect(e0[0].image.length).toBe(4 * 16 * 16 * 3);
    expect(Array.from(e0[0].image.subarray(0, 768))).not.toEqual(Array.from(e0[0].augmented.subarray(0, 768)));
    const again = await collect(ds.batches({ batchSize: 4, epoch: 0 }));
    expect(again.map((b) => Array.from(b.indices))).toEqual(e0.map((b) => Array.from(b.indices)));
    expect(again[1].augmented).toEqual(e0[1].augmented);
    const e1 = await collect(ds.batches({ batchSize: 4, epoch: 1 }));
    expect(e1.map((b) => Array.from(b.indices))).not.toEqual(e0.map((b) => Array.from(b.indices)));
    const other = new AugmentedDataset(sceneSource(10), { transform: simclr, seed: 5 });
    expect((await other.get(2)).augmented.data).not.toEqual((await ds.get(2)).augmented.data);
    expect((await ds.get(2)).augmented.data).toEqual((await ds.get(2)).augmented.data);
    // Targets follow the indices.
    expect(Array.from(e0[0].targets)).toEqual(Array.from(e0[0].indices, (i) => i % 3));
  });

  it('evaluation order without drop_last visits every sample once, in order; the standard view can be the val transform', async () => {
    const src = sceneSource(7);
    const ds = new AugmentedDataset(src, { transform: { standard: val, augment: simclr } });
    const batches = await collect(ds.batches({ batchSize: 3, shuffle: false, dropLast: false }));
    expect(batches.map((b) => Array.from(b.indices))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const s = await ds.get(5);
    expect(s.image.data).toEqual(normalize(await src.load(5), NORM).data);
    expect(s.augmented.data).not.toEqual(s.image.data);
  });

  it('reuseBuffers: the same batches, in two buffers that batches take turns in (the short last one a view)', async () => {
    const ds = new AugmentedDataset(sceneSource(11), { transform: simclr, seed: 3 });
    const fresh = await collect(ds.batches({ batchSize: 3, dropLast: false }));
    const seen: Array<{ image: Float32Array; augmented: Float32Array; copy: number[] }> = [];
    for await (const b of ds.batches({ batchSize: 3, dropLast: false, reuseBuffers: true })) {
      const want = fresh[seen.length];
      expect([...b.indices]).toEqual([...want.indices]);
      expect(b.shape).toEqual(want.shape);
      expect([...b.image]).toEqual([...want.image]);
      expect([...b.augmented]).toEqual([...want.augmented]);
      seen.push({ image: b.image, augmented: b.augmented, copy: [...b.image] });
    }
    expect(seen).toHaveLength(4); // 3 + 3 + 3 + 2
    expect(seen[2].image.buffer).toBe(seen[0].image.buffer);
    expect(seen[3].augmented.buffer).toBe(seen[1].augmented.buffer);
    expect(seen[1].image.buffer).not.toBe(seen[0].image.buffer);
    expect(seen[3].image.length).toBe(2 * 16 * 16 * 3);
    // Batch 0 was overwritten by batch 2, as documented; without reuse nothing is shared.
    expect([...seen[0].image]).toEqual(seen[2].copy);
    expect(new Set(fresh.map((b) => b.image.buffer)).size).toBe(4);
  });

  it('skips unreadable images with a warning and fills batches with the next ones', async () => {
    const warnings: string[] = [];
    const rejected = new RejectedImages((m) => warnings.push(m));
    const ds = new AugmentedDataset(sceneSource(8, [1, 4]), { transform: val, rejected });
    const batches = await collect(ds.batches({ batchSize: 3, shuffle: false, dropLast: false }));
    expect(batches.map((b) => Array.from(b.indices))).toEqual([[0, 2, 3], [5, 6, 7]]);
    expect(rejected.count).toBe(2);
    expect(warnings[0]).toMatch(/\/fake\/s1\.png: truncated file/);
  });
});

describe('NeighborsDataset', () => {
  // 6 samples, 4 columns: self + 3 neighbours.
  const table = { columns: 4, indices: Int32Array.from([0, 1, 2, 3, 1, 0, 2, 3, 2, 3, 4, 5, 3, 2, 1, 0, 4, 5, 3, 2, 5, 4, 3, 2]) };

  it('draws each neighbour uniformly from the whole row, self included, seeded per epoch', async () => {
    const ds = new NeighborsDataset(sceneSource(6), table, { anchorTransform: val, seed: 2 });
    const counts = new Map<number, number>();
    for (let epoch = 0; epoch < 400; epoch++) {
      const s = await ds.get(2, epoch);
      expect([2, 3, 4, 5]).toContain(s.neighborIndex);
      counts.set(s.neighborIndex, (counts.get(s.neighborIndex) ?? 0) + 1);
      expect(Array.from(s.possibleNeighbors)).toEqual([2, 3, 4, 5]);
    }
    for (const j of [2, 3, 4, 5]) expect(counts.get(j)!).toBeGreaterThan(60); // ≈ 100 each
    const a = await ds.get(0, 7);
    const b = await ds.get(0, 7);
    expect(a.neighborIndex).toBe(b.neighborIndex);
    expect(a.neighbor.data).toEqual(normalize(await ds.source.load(a.neighborIndex), NORM).data);
  });

  it('keeps self + numNeighbors columns and batches anchors, neighbours and rows', async () => {
    const ds = new NeighborsDataset(sceneSource(6), table, { anchorTransform: simclr, numNeighbors: 1, seed: 3 });
    expect(ds.columns).toBe(2);
    const batches = await collect(ds.batches({ batchSize: 4, shuffle: true, dropLast: false, epoch: 1 }));
    expect(batches.map((b) => b.indices.length)).toEqual([4, 2]);
    const b = batches[0];
    expect(b.shape).toEqual([4, 16, 16, 3]);
    expect(b.possibleNeighbors.length).toBe(8);
    for (let k = 0; k < 4; k++) {
      const row = Array.from(b.possibleNeighbors.subarray(2 * k, 2 * k + 2));
      expect(row).toEqual(Array.from(table.indices.subarray(b.indices[k] * 4, b.indices[k] * 4 + 2)));
      expect(row).toContain(b.neighborIndices[k]);
    }
    expect(new Set(batches.flatMap((x) => Array.from(x.indices))).size).toBe(6);
  });

  it('rejects a table of the wrong size or with out-of-range indices', () => {
    expect(() => new NeighborsDataset(sceneSource(6), { columns: 4, indices: new Int32Array(20) }, { anchorTransform: val })).toThrow(/20 entries, expected 6 rows × 4 columns/);
    const badIdx = { columns: 4, indices: table.indices.slice() };
    badIdx.indices[9] = 17;
    expect(() => new NeighborsDataset(sceneSource(6), badIdx, { anchorTransform: val })).toThrow(/row 2 holds index 17/);
    expect(() => new NeighborsDataset(sceneSource(6), table, { anchorTransform: val, numNeighbors: 5 })).toThrow(/needs 6 columns/);
  });
});
