import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputDataError } from '../../errors/twindb-error.js';
import { formatDbSpec, parseDbSpec } from '../spec/db-spec.js';
import { dbFingerprint } from './db-fingerprint.js';
import { openImageSource } from './open-image-source.js';
import { openVocSource } from './voc-source.js';

let root: string;

async function image(file: string, rgb: [number, number, number], fmt: 'png' | 'jpeg') {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 12, height: 8, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .toFormat(fmt)
    .toFile(file);
}

function annotation(objects: string[], fields: Record<string, string>): string {
  const f = Object.entries(fields)
    .map(([k, v]) => `  <${k}>${v}</${k}>`)
    .join('\n');
  const o = objects.map((n) => `  <object><name>${n}</name><bndbox><xmin>1</xmin></bndbox></object>`).join('\n');
  return `<annotation>\n  <filename>x.jpg</filename>\n${f}\n${o}\n</annotation>\n`;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'twindb voc '));
  const jpeg = path.join(root, 'JPEGImages');
  const ann = path.join(root, 'Annotations');
  await image(path.join(jpeg, '000001.jpg'), [200, 10, 10], 'jpeg');
  await image(path.join(jpeg, '000002.png'), [10, 200, 10], 'png');
  await image(path.join(jpeg, '000003.jpg'), [10, 10, 200], 'jpeg');
  await image(path.join(jpeg, 'night', '000004.jpg'), [20, 20, 20], 'jpeg');
  await image(path.join(jpeg, 'twice.jpg'), [1, 1, 1], 'jpeg');
  await image(path.join(jpeg, 'twice.png'), [2, 2, 2], 'png');
  await symlink('.', path.join(jpeg, 'loop'));
  await mkdir(path.join(ann, 'night'), { recursive: true });
  await writeFile(path.join(ann, '000001.xml'), annotation(['car', 'person', 'car'], { road: 'highway', time_zone: 'day', weather: 'clear' }));
  // 000002 has an annotation that does not parse (an unclosed <object> on line 3).
  await writeFile(path.join(ann, '000002.xml'), '<annotation>\n  <weather>rain</weather>\n  <object><name>bus</name>\n</annotation>\n');
  // 000003 has none.
  await writeFile(path.join(ann, 'night', '000004.xml'), annotation([], { road: 'city', time_zone: 'night' }));
  await mkdir(path.join(root, 'ImageSets', 'Main'), { recursive: true });
  await writeFile(path.join(root, 'ImageSets', 'Main', 'train.txt'), '000001\n000002  1\n\nnight/000004 -1\r\n');
  await writeFile(path.join(root, 'ImageSets', 'Main', 'broken.txt'), '000001\n000002\n000099\n');
  await writeFile(path.join(root, 'ImageSets', 'Main', 'twice.txt'), '000001\n000003\n000001.jpg\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('voc: DB source', () => {
  it('reads the images an ImageSets list names, with object classes and metadata from Annotations/<name>.xml', async () => {
    const warnings: string[] = [];
    const src = await openVocSource(root, { set: 'ImageSets/Main/train.txt', warn: (m) => warnings.push(m) });
    expect(src.annotated).toBe(true);
    expect(src.records.map((r) => [r.id, path.relative(root, r.path!)])).toEqual([
      ['000001', path.join('JPEGImages', '000001.jpg')],
      ['000002', path.join('JPEGImages', '000002.png')],
      ['night/000004', path.join('JPEGImages', 'night', '000004.jpg')],
    ]);
    expect(src.records[0]).toMatchObject({ objects: ['car', 'person', 'car'], meta: { road: 'highway', time_zone: 'day', weather: 'clear' } });
    // The unparseable annotation is skipped with a warning naming the file and line; its image stays.
    expect(src.records[1].objects).toBeUndefined();
    expect(src.records[1].meta).toBeUndefined();
    expect(src.records[2]).toMatchObject({ objects: [], meta: { road: 'city', time_zone: 'night' } });
    const bad = path.join(root, 'Annotations', '000002.xml');
    expect(src.annotationProblems).toEqual([{ id: '000002', path: bad, line: 4, reason: expect.stringMatching(/<\/annotation> does not match <object> \(line 3\)/) }]);
    expect(warnings).toEqual([expect.stringContaining(`skipped the annotation ${bad} line 4`)]);
    expect((await src.load(1)).width).toBe(12);
  });

  it('without a list, walks JPEGImages/ by the folder rules: loops skipped, one image per name', async () => {
    const warnings: string[] = [];
    const src = await openImageSource(`voc:${root}`, { warn: (m) => warnings.push(m) });
    expect(src.records.map((r) => r.id)).toEqual(['000001', '000002', '000003', 'night/000004', 'twice']);
    expect(src.records.find((r) => r.id === 'twice')?.path).toMatch(/twice\.jpg$/);
    expect(src.skipped?.map((s) => [s.id, s.reason.split(root).join('…')])).toEqual([
      ['loop', 'symbolic-link loop to the folder …/JPEGImages, already walked'],
      ['twice.png', `same image name "twice" as ${path.join('…', 'JPEGImages', 'twice.jpg')}, already listed`],
    ]);
    expect(warnings.some((w) => /2 of 5 images have no .*Annotations/.test(w))).toBe(true);
    expect(warnings.filter((w) => w.includes('skipped the annotation'))).toHaveLength(1);
  });

  it('a listed name with no image is an input error naming the list file and line; so is a repeated name', async () => {
    const list = path.join(root, 'ImageSets', 'Main', 'broken.txt');
    const err = await openVocSource(root, { set: 'ImageSets/Main/broken.txt', warn: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputDataError);
    expect((err as Error).message).toContain(`${list} line 3: no image for "000099"`);
    await expect(openVocSource(root, { set: 'ImageSets/Main/twice.txt', warn: () => {} })).rejects.toThrow(/twice\.txt line 3: "000001\.jpg" is already listed on line 1/);
    await expect(openVocSource(root, { set: 'ImageSets/Main/none.txt' })).rejects.toThrow(/cannot read the image-set list .*none\.txt/);
    await expect(openVocSource(path.join(root, 'JPEGImages'))).rejects.toThrow(/JPEGImages.JPEGImages is not a folder/);
  });

  it('parses and formats the spec, and keeps the annotations through an n= subset', async () => {
    const spec = parseDbSpec(`voc:${root}?set=ImageSets/Main/train.txt&n=2&seed=3`);
    expect(spec).toEqual({ source: 'voc', path: root, set: 'ImageSets/Main/train.txt', n: 2, seed: 3 });
    expect(parseDbSpec(formatDbSpec(spec))).toEqual(spec);
    expect(parseDbSpec({ source: 'voc', path: '/d' })).toEqual({ source: 'voc', path: '/d' });
    expect(() => parseDbSpec({ source: 'voc', path: '/d', classes: ['car'] })).toThrow(/classes/);
    const src = await openImageSource(spec, { warn: () => {} });
    expect(src.records).toHaveLength(2);
    expect(src.annotated).toBe(true);
    expect(src.annotationProblems).toHaveLength(1);
  });

  it('the DB fingerprint covers the annotation files: edited, added or removed, it changes', async () => {
    const open = () => openVocSource(root, { set: 'ImageSets/Main/train.txt', warn: () => {} });
    const before = await dbFingerprint(await open());
    expect(await dbFingerprint(await open())).toBe(before);
    const file = path.join(root, 'Annotations', '000001.xml');
    await writeFile(file, annotation(['car'], { road: 'highway', time_zone: 'day', weather: 'fog' }));
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const edited = await dbFingerprint(await open());
    expect(edited).not.toBe(before);
    await rm(file);
    const removed = await dbFingerprint(await open());
    expect(new Set([before, edited, removed]).size).toBe(3);
  });
});
