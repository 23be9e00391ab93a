import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR100_TO_20 } from './cifar100-superclasses.js';
import { openImageSource } from './open-image-source.js';

let root: string;

/** One CIFAR record image: R = (y·32 + x) mod 256, G = seed, B = x (planar, row-major). */
function cifarPixels(seed: number): Buffer {
  const b = Buffer.alloc(3072);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      b[y * 32 + x] = (y * 32 + x) % 256;
      b[1024 + y * 32 + x] = seed;
      b[2048 + y * 32 + x] = x;
    }
  }
  return b;
}

/** One STL image: R = column x, G = row y, B = seed, each plane stored column-major. */
function stlPixels(seed: number): Buffer {
  const b = Buffer.alloc(3 * 9216);
  for (let x = 0; x < 96; x++) {
    for (let y = 0; y < 96; y++) {
      b[x * 96 + y] = x;
      b[9216 + x * 96 + y] = y;
      b[2 * 9216 + x * 96 + y] = seed;
    }
  }
  return b;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'twindb binaries '));
  const c10 = path.join(root, 'cifar', 'cifar-10-batches-bin');
  await mkdir(c10, { recursive: true });
  for (let k = 1; k <= 5; k++) {
    const recs = [0, 1].map((r) => Buffer.concat([Buffer.from([(k * 2 + r) % 10]), cifarPixels(k * 10 + r)]));
    await writeFile(path.join(c10, `data_batch_${k}.bin`), Buffer.concat(recs));
  }
  await writeFile(path.join(c10, 'test_batch.bin'), Buffer.concat([3, 7, 9].map((l, r) => Buffer.concat([Buffer.from([l]), cifarPixels(200 + r)]))));
  await writeFile(path.join(c10, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');

  const c100 = path.join(root, 'cifar-100-binary');
  await mkdir(c100, { recursive: true });
  const fine = [0, 1, 58, 99];
  await writeFile(path.join(c100, 'train.bin'), Buffer.concat(fine.map((f, r) => Buffer.concat([Buffer.from([CIFAR100_TO_20[f], f]), cifarPixels(r)]))));
  await writeFile(path.join(c100, 'test.bin'), Buffer.concat([Buffer.from([0, 5]), cifarPixels(9)]));

  const stl = path.join(root, 'stl', 'stl10_binary');
  await mkdir(stl, { recursive: true });
  await writeFile(path.join(stl, 'train_X.bin'), Buffer.concat([stlPixels(1), stlPixels(2)]));
  await writeFile(path.join(stl, 'train_y.bin'), Buffer.from([1, 10]));
  await writeFile(path.join(stl, 'test_X.bin'), stlPixels(3));
  await writeFile(path.join(stl, 'test_y.bin'), Buffer.from([4]));
  await writeFile(path.join(stl, 'unlabeled_X.bin'), Buffer.concat([stlPixels(4), stlPixels(5), stlPixels(6)]));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const px = (d: Uint8Array, w: number, x: number, y: number) => Array.from(d.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));

describe('CIFAR binary sources', () => {
  it('reads CIFAR-10 train (5 batches) and test from the release folder or its parent, planar → HWC', async () => {
    const train = await openImageSource(`cifar10:${path.join(root, 'cifar')}`);
    expect(train.records.length).toBe(10);
    expect(train.records.map((r) => r.label)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(train.records[3].id).toBe('data_batch_2/1');
    expect(train.classNames?.[1]).toBe('automobile');
    const img = await train.load(3);
    expect([img.width, img.height, img.channels]).toEqual([32, 32, 3]);
    expect(px(img.data, 32, 2, 1)).toEqual([34, 21, 2]);
    expect(px(img.data, 32, 31, 7)).toEqual([(7 * 32 + 31) % 256, 21, 31]);
    const test = await openImageSource(`cifar10:${path.join(root, 'cifar', 'cifar-10-batches-bin')}?split=test&classes=7,9`);
    expect(test.records.map((r) => r.label)).toEqual([7, 9]);
    expect(px((await test.load(1)).data, 32, 0, 0)).toEqual([0, 202, 0]);
  });

  it('reads CIFAR-100 fine labels, and maps them to the 20 super-classes for cifar100-20', async () => {
    const fine = await openImageSource(`cifar100:${root}`);
    expect(fine.records.map((r) => r.label)).toEqual([0, 1, 58, 99]);
    const coarse = await openImageSource(`cifar100-20:${path.join(root, 'cifar-100-binary')}`);
    expect(coarse.records.map((r) => r.label)).toEqual([4, 1, 18, 13]);
    expect(coarse.classNames).toHaveLength(20);
    expect(coarse.classNames?.[18]).toBe('vehicles 1');
    expect(px((await coarse.load(2)).data, 32, 5, 0)).toEqual([5, 2, 5]);
    const test = await openImageSource(`cifar100-20:${root}?split=test`);
    expect(test.records.map((r) => r.label)).toEqual([CIFAR100_TO_20[5]]);
  });

  it('the super-class table is the standard 100 → 20 assignment (5 fine classes each)', () => {
    expect(CIFAR100_TO_20).toHaveLength(100);
    const per = new Array(20).fill(0);
    for (const c of CIFAR100_TO_20) per[c]++;
    expect(per.every((n) => n === 5)).toBe(true);
  });

  it('fails at once on missing or malformed files, naming them', async () => {
    const part = path.join(root, 'partial', 'cifar-10-batches-bin');
    await mkdir(part, { recursive: true });
    await writeFile(path.join(part, 'data_batch_1.bin'), Buffer.alloc(3073));
    await expect(openImageSource(`cifar10:${part}`)).rejects.toThrow(/missing .*data_batch_2\.bin.*expected the cifar-10-batches-bin release files/);
    await writeFile(path.join(part, 'test_batch.bin'), Buffer.alloc(3000));
    await expect(openImageSource(`cifar10:${part}?split=test`)).rejects.toThrow(/test_batch\.bin is 3000 bytes, expected a non-zero multiple of the 3073-byte record/);
    await writeFile(path.join(part, 'test_batch.bin'), Buffer.concat([Buffer.from([12]), Buffer.alloc(3072)]));
    await expect(openImageSource(`cifar10:${part}?split=test`)).rejects.toThrow(/record 0: label 12 out of range/);
  });
});

describe('STL-10 binary source', () => {
  it('reads column-major planes into upright HWC images and 1-based labels as 0-based', async () => {
    const train = await openImageSource(`stl10:${path.join(root, 'stl')}`);
    expect(train.records.map((r) => r.label)).toEqual([0, 9]);
    expect(train.classNames?.[7]).toBe('monkey');
    const img = await train.load(1);
    expect([img.width, img.height, img.channels]).toEqual([96, 96, 3]);
    expect(px(img.data, 96, 10, 40)).toEqual([10, 40, 2]); // R = column, G = row
    const test = await openImageSource(`stl10:${path.join(root, 'stl', 'stl10_binary')}?split=test`);
    expect(test.records.map((r) => r.label)).toEqual([3]);
  });

  it('train+unlabeled appends the unlabelled images without labels; sizes can be changed on load', async () => {
    const all = await openImageSource(`stl10:${path.join(root, 'stl')}?split=train+unlabeled`, { format: { size: 32 } });
    expect(all.records.map((r) => r.label)).toEqual([0, 9, undefined, undefined, undefined]);
    expect(all.records[4].id).toBe('unlabeled/2');
    const small = await all.load(4);
    expect([small.width, small.height]).toEqual([32, 32]);
    expect(small.data[2]).toBe(6);
    await expect(openImageSource(`stl10:${root}`)).rejects.toThrow(/missing .*train_X\.bin/);
  });
});
