import { describe, expect, it } from 'vitest';
import { openImageSource } from './open-image-source.js';
import { MNIST_POOL_SIZE, openMnistSource } from './mnist-source.js';

describe('mnist source', () => {
  it('splits the 10,000 digits into a disjoint 8,000 pool and 2,000 heldout set, the same way every time', async () => {
    const pool = await openMnistSource('pool');
    const heldout = await openMnistSource('heldout');
    const again = await openMnistSource('pool');
    expect(pool.records.length).toBe(MNIST_POOL_SIZE);
    expect(heldout.records.length).toBe(2000);
    const ids = new Set(pool.records.map((r) => r.id));
    expect(heldout.records.every((r) => !ids.has(r.id))).toBe(true);
    expect(new Set([...ids, ...heldout.records.map((r) => r.id)]).size).toBe(10000);
    expect(again.records.map((r) => r.id)).toEqual(pool.records.map((r) => r.id));
    // Classes are interleaved, and every class is present in both splits.
    const counts = new Array(10).fill(0);
    for (const r of heldout.records) counts[r.label!]++;
    expect(Math.min(...counts)).toBeGreaterThan(100);
    expect(new Set(heldout.records.slice(0, 50).map((r) => r.label)).size).toBeGreaterThan(5);
  });

  it('decodes 28×28 grey digits whose ink matches their label (mean images differ by class)', async () => {
    const src = await openMnistSource('heldout');
    const img = await src.load(0);
    expect([img.width, img.height, img.channels]).toEqual([28, 28, 1]);
    expect(Math.max(...img.data)).toBeGreaterThan(200);
    expect(img.data[0]).toBe(0);
    // A "1" has much less ink than a "0" on average.
    const ink = async (label: number) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < 300; i++) {
        if (src.records[i].label !== label) continue;
        s += (await src.load(i)).data.reduce((a, b) => a + b, 0);
        n++;
      }
      return s / n;
    };
    expect(await ink(0)).toBeGreaterThan(1.5 * (await ink(1)));
    const rgb = await openMnistSource('pool', { format: { channels: 3, size: 32 } });
    const big = await rgb.load(5);
    expect([big.width, big.height, big.channels]).toEqual([32, 32, 3]);
    expect(big.data[3 * 100]).toBe(big.data[3 * 100 + 1]);
  });

  it('filters classes and takes seeded counts through the spec string', async () => {
    const low = await openImageSource('mnist:heldout?classes=0-4');
    expect(low.records.every((r) => r.label! <= 4)).toBe(true);
    expect(low.records.length).toBeGreaterThan(800);
    const n500 = await openImageSource('mnist:heldout?classes=0-4&n=500');
    const n500b = await openImageSource('mnist:heldout?classes=0-4&n=500');
    const n500s = await openImageSource('mnist:heldout?classes=0-4&n=500&seed=1');
    expect(n500.records.length).toBe(500);
    expect(n500b.records.map((r) => r.id)).toEqual(n500.records.map((r) => r.id));
    expect(n500s.records.map((r) => r.id)).not.toEqual(n500.records.map((r) => r.id));
    expect((await n500.load(499)).width).toBe(28);
    const named = await openImageSource({ source: 'mnist', split: 'pool', classes: ['7'] });
    expect(named.records.every((r) => r.label === 7)).toBe(true);
    await expect(openImageSource('mnist:pool?classes=seven')).rejects.toThrow(/unknown class "seven"/);
  });
});
