import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile } from '../decode/decode-image-file.js';
import { decodeStream } from '../decode/decode-stream.js';
import { RejectedImages } from '../decode/rejected-images.js';
import { openFolderSource } from './folder-source.js';
import { openListFileSource } from './list-file-source.js';
import { openImageSource } from './open-image-source.js';

let root: string;

/** A solid-colour image file of the given size and format. */
async function solid(file: string, w: number, h: number, rgb: [number, number, number], fmt: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' = 'png') {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .toFormat(fmt)
    .toFile(file);
}

/** A 24-bit bottom-up BMP, written by hand (sharp cannot write BMP). */
function bmp24(w: number, h: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * h);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = pixel(x, y);
      const o = 54 + (h - 1 - y) * stride + x * 3;
      buf[o] = b;
      buf[o + 1] = g;
      buf[o + 2] = r;
    }
  }
  return buf;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'twindb data sources ')); // a space in the root itself
  const db = path.join(root, 'my pool');
  await solid(path.join(db, 'chats', 'chat noir.png'), 40, 20, [10, 10, 10]);
  await solid(path.join(db, 'chats', 'sous dossier', 'été.jpg'), 20, 40, [200, 30, 30], 'jpeg');
  await solid(path.join(db, 'chiens', '犬 1.webp'), 16, 16, [30, 200, 30], 'webp');
  await solid(path.join(db, 'chiens', 'b.GIF'), 16, 16, [30, 30, 200], 'gif');
  await solid(path.join(db, 'chiens', 'c.tiff'), 16, 16, [250, 250, 250], 'tiff');
  await writeFile(path.join(db, 'chiens', 'd.bmp'), bmp24(5, 3, (x) => (x < 2 ? [255, 0, 0] : [0, 0, 255])));
  await writeFile(path.join(db, 'chiens', 'notes.txt'), 'not an image');
  await solid(path.join(db, 'root-level.png'), 8, 8, [1, 2, 3]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('folder source', () => {
  it('finds every image recursively, with relative ids, spaces and non-ASCII names', async () => {
    const src = await openFolderSource(path.join(root, 'my pool'));
    expect(src.records.map((r) => r.id)).toEqual([
      'chats/chat noir.png',
      'chats/sous dossier/été.jpg',
      'chiens/b.GIF',
      'chiens/c.tiff',
      'chiens/d.bmp',
      'chiens/犬 1.webp',
      'root-level.png',
    ]);
    expect(src.records.every((r) => r.label === undefined)).toBe(true);
    const img = await src.load(5);
    expect([img.width, img.height, img.channels]).toEqual([16, 16, 3]);
    expect(img.data[1]).toBeGreaterThan(150);
    expect(img.data[0]).toBeLessThan(80);
  });

  it('labels from first-level sub-folders, sorted (ImageFolder convention)', async () => {
    const warnings: string[] = [];
    const src = await openImageSource(`folder:${path.join(root, 'my pool')}?labels=from-subfolders`, { warn: (m) => warnings.push(m) });
    expect(src.classNames).toEqual(['chats', 'chiens']);
    expect(src.records.map((r) => r.label)).toEqual([0, 0, 1, 1, 1, 1]);
    expect(warnings.join()).toMatch(/1 image\(s\) directly in the root/);
    const dogs = await openImageSource(`folder:${path.join(root, 'my pool')}?labels=from-subfolders&classes=chiens`, { warn: () => {} });
    expect(dogs.records.map((r) => r.id)).toEqual(['chiens/b.GIF', 'chiens/c.tiff', 'chiens/d.bmp', 'chiens/犬 1.webp']);
  });

  it('fails at once on a missing folder or a folder without images', async () => {
    await expect(openFolderSource(path.join(root, 'nope'))).rejects.toThrow(/nope does not exist/);
    await mkdir(path.join(root, 'empty'), { recursive: true });
    await expect(openFolderSource(path.join(root, 'empty'))).rejects.toThrow(/no image files found under .*empty/);
  });
});

describe('folder walks: symbolic links', () => {
  it('follows a folder link once per real folder, reports loops, and never lists a file twice', async () => {
    const db = path.join(root, 'loops');
    await mkdir(path.join(db, 'sub'), { recursive: true });
    await solid(path.join(db, 'a.png'), 4, 4, [1, 2, 3]);
    await solid(path.join(db, 'sub', 'b.png'), 4, 4, [4, 5, 6]);
    await symlink('.', path.join(db, 'self'));
    await symlink('..', path.join(db, 'sub', 'up'));
    await symlink('a.png', path.join(db, 'z-same.png'));
    const outside = path.join(root, 'outside');
    await mkdir(outside, { recursive: true });
    await solid(path.join(outside, 'c.png'), 4, 4, [7, 8, 9]);
    await symlink(outside, path.join(db, 'linked'));
    const warnings: string[] = [];
    const src = await openImageSource(`folder:${db}`, { warn: (m) => warnings.push(m) });
    expect(src.records.map((r) => r.id)).toEqual(['a.png', 'linked/c.png', 'sub/b.png']);
    expect(src.skipped?.map((r) => [r.id, r.reason.split(root).join('…')])).toEqual([
      ['self', 'symbolic-link loop to the folder …/loops, already walked'],
      ['sub/up', 'symbolic-link loop to the folder …/loops, already walked'],
      ['z-same.png', 'same file as …/loops/a.png, already listed'],
    ]);
    expect(warnings.join()).toMatch(/3 entries skipped \(symbolic-link loops/);
  });

  it('two self-links end at once instead of an exponential walk', async () => {
    const db = path.join(root, 'loops2');
    await mkdir(db, { recursive: true });
    await solid(path.join(db, 'a.png'), 4, 4, [1, 2, 3]);
    for (const l of ['l1', 'l2', 'l3']) await symlink('.', path.join(db, l));
    const src = await openFolderSource(db, { warn: () => {} });
    expect(src.records.map((r) => r.id)).toEqual(['a.png']);
    expect(src.skipped).toHaveLength(3);
  }, 5000);
});

describe('decoding', () => {
  it('resizes to the configured size by centre crop or by padding, and expands grey to RGB', async () => {
    const file = path.join(root, 'stripes.png');
    // 30×10: left third red, middle third green, right third blue.
    const raw = Buffer.alloc(30 * 10 * 3);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 30; x++) raw[(y * 30 + x) * 3 + Math.floor(x / 10)] = 255;
    await sharp(raw, { raw: { width: 30, height: 10, channels: 3 } }).png().toFile(file);
    const crop = await decodeImageFile(file, { size: 10, fit: 'crop' });
    expect([crop.width, crop.height]).toEqual([10, 10]);
    expect(crop.data[(5 * 10 + 5) * 3 + 1]).toBe(255); // centre crop keeps only the green third
    expect(crop.data[(5 * 10 + 0) * 3 + 0]).toBe(0);
    const pad = await decodeImageFile(file, { size: 30, fit: 'pad' });
    expect(pad.data[0]).toBe(0); // top-left is black padding
    expect(pad.data[(15 * 30 + 2) * 3]).toBe(255); // middle row, left: red
    expect(pad.data[(15 * 30 + 27) * 3 + 2]).toBe(255); // middle row, right: blue
    const grey = path.join(root, 'grey.png');
    await sharp(Buffer.alloc(6 * 4, 77), { raw: { width: 6, height: 4, channels: 1 } }).png().toFile(grey);
    const g = await decodeImageFile(grey);
    expect([g.width, g.height, g.channels]).toEqual([6, 4, 3]);
    expect(Array.from(g.data.subarray(0, 3))).toEqual([77, 77, 77]);
  });

  it('applies the EXIF orientation', async () => {
    const file = path.join(root, 'rotated.jpg');
    const raw = Buffer.alloc(16 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) raw[(y * 16 + x) * 3 + (x < 8 ? 0 : 2)] = 255;
    await sharp(raw, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
    const img = await decodeImageFile(file);
    // Orientation 6 = rotate 90° clockwise to display: the stored left half (red) becomes the top.
    expect([img.width, img.height]).toEqual([8, 16]);
    expect(img.data[(2 * 8 + 4) * 3]).toBeGreaterThan(200);
    expect(img.data[(13 * 8 + 4) * 3 + 2]).toBeGreaterThan(200);
  });

  it('decodes uncompressed BMP files', async () => {
    const img = await decodeImageFile(path.join(root, 'my pool', 'chiens', 'd.bmp'));
    expect([img.width, img.height]).toEqual([5, 3]);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(img.data.subarray(3 * 14, 3 * 15))).toEqual([0, 0, 255]);
  });

  it('skips missing, empty, truncated and non-image files with one warning each, and goes on', async () => {
    const dir = path.join(root, 'bad ones');
    await solid(path.join(dir, 'a good.png'), 12, 12, [100, 0, 0]);
    await writeFile(path.join(dir, 'b empty.jpg'), Buffer.alloc(0));
    await writeFile(path.join(dir, 'c text.png'), 'hello');
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await writeFile(path.join(dir, 'd truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await solid(path.join(dir, 'e good.png'), 12, 12, [0, 100, 0]);
    await writeFile(
      path.join(dir, 'list.csv'),
      'path,label\n"a good.png",1\nb empty.jpg,1\nc text.png,2\nd truncated.jpg,2\nmissing.png,1\ne good.png,2\n',
    );
    const src = await openListFileSource(path.join(dir, 'list.csv'), { format: { size: 8 } });
    const warnings: string[] = [];
    const rejected = new RejectedImages((m) => warnings.push(m));
    const got = [];
    for await (const d of decodeStream(src, undefined, { concurrency: 2, prefetch: 1, rejected })) got.push(d);
    expect(got.map((d) => d.record.id)).toEqual(['a good.png', 'e good.png']);
    expect(got.every((d) => d.image.width === 8 && d.image.height === 8)).toBe(true);
    expect(rejected.count).toBe(4);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/b empty\.jpg: empty file/);
    expect(warnings.join('\n')).toMatch(/missing\.png: file not found/);
    expect(warnings.join('\n')).toMatch(/d truncated\.jpg/);
    expect(rejected.toCsv().split('\n')[0]).toBe('id,path,reason');
    const out = path.join(root, 'rejected.csv');
    await rejected.writeCsv(out);
    const only = await openListFileSource(path.join(dir, 'list.csv'));
    const onlyBad = { ...only, records: only.records.slice(1, 5), load: (i: number) => only.load(i + 1) };
    const stream = decodeStream(onlyBad, undefined, { rejected: new RejectedImages(() => {}) });
    await expect(stream.next()).rejects.toThrow(/no readable image \(4 file\(s\) rejected/);
  });

  it('keeps at most concurrency decodes running and stops decoding when the consumer stalls', async () => {
    let running = 0;
    let maxRunning = 0;
    let started = 0;
    const fake = {
      name: 'fake',
      records: Array.from({ length: 50 }, (_, i) => ({ id: String(i) })),
      load: async () => {
        started++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 1));
        running--;
        return { width: 1, height: 1, channels: 3, data: new Uint8Array(3) };
      },
    };
    const it = decodeStream(fake, undefined, { concurrency: 3, prefetch: 4 });
    await it.next();
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toBeLessThanOrEqual(3 + 4 + 1);
    let n = 1;
    for await (const _ of it) n++;
    expect(n).toBe(50);
    expect(maxRunning).toBe(3);
  });
});

describe('list-file source', () => {
  it('reads CSV with quoted paths, relative to the list folder, integer labels and ids', async () => {
    const dir = path.join(root, 'listes');
    await solid(path.join(dir, 'imgs', 'un, deux.png'), 10, 10, [5, 5, 5]);
    await solid(path.join(root, 'outside é.png'), 10, 10, [6, 6, 6]);
    await writeFile(path.join(dir, 'target.csv'), `id,path,label\nx1,"imgs/un, deux.png",3\nx2,${path.join(root, 'outside é.png')},0\n`);
    const src = await openImageSource(`list:${path.join(dir, 'target.csv')}`);
    expect(src.records).toEqual([
      { id: 'x1', path: path.join(dir, 'imgs', 'un, deux.png'), label: 3 },
      { id: 'x2', path: path.join(root, 'outside é.png'), label: 0 },
    ]);
    expect((await src.load(0)).data[0]).toBe(5);
  });

  it('reads TSV with named labels mapped in sorted order, and unlabelled rows', async () => {
    const dir = path.join(root, 'listes');
    await writeFile(path.join(dir, 'named.tsv'), 'path\tlabel\nimgs/un, deux.png\tzèbre\nb.png\tâne\nc.png\t\nd.png\tzèbre\n');
    const src = await openListFileSource(path.join(dir, 'named.tsv'));
    expect(src.classNames).toEqual(['zèbre', 'âne'].sort());
    expect(src.records.map((r) => r.label)).toEqual([src.classNames!.indexOf('zèbre'), src.classNames!.indexOf('âne'), undefined, src.classNames!.indexOf('zèbre')]);
    expect(src.records.map((r) => r.id)).toEqual(['imgs/un, deux.png', 'b.png', 'c.png', 'd.png']);
  });

  it('rejects a list without a path column, mixed label types and duplicate ids, naming file and row', async () => {
    const dir = path.join(root, 'listes');
    await writeFile(path.join(dir, 'nopath.csv'), 'file,label\na.png,1\n');
    await expect(openListFileSource(path.join(dir, 'nopath.csv'))).rejects.toThrow(/nopath\.csv has no "path" column.*file, label/);
    await writeFile(path.join(dir, 'mixed.csv'), 'path,label\na.png,1\nb.png,cat\n');
    await expect(openListFileSource(path.join(dir, 'mixed.csv'))).rejects.toThrow(/mixed\.csv row 3: label "cat" is a name but row 2 has an integer/);
    await writeFile(path.join(dir, 'dup.csv'), 'path\na.png\na.png\n');
    await expect(openListFileSource(path.join(dir, 'dup.csv'))).rejects.toThrow(/dup\.csv rows 2 and 3: duplicate id "a\.png"/);
    await expect(openListFileSource(path.join(dir, 'absent.csv'))).rejects.toThrow(/cannot read list file .*absent\.csv/);
  });
});
