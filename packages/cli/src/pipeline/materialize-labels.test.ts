import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunManifest, writeRunManifest } from '@twindb/core-tensors';
import { createImageU8, decodeImageFile, openImageSource, writeImageFile } from '@twindb/core-tensors/data';
import { Int32, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { materializedName, materializeLabels, safeRelativePath } from './materialize-labels.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'twindb-materialize-'));

/** A new DB folder as STEP 1-2 leaves it (a sample manifest) with the pipeline's labels.arrow. */
async function newdb(rows: { id: string; path: string | null; cluster: number }[]): Promise<string> {
  const dir = path.join(tmp(), 'newdb');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'selected.csv'), 'id\n');
  await writeRunManifest(dir, 'sample');
  const table = new Table({
    id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
    path: vectorFromArray(rows.map((r) => r.path), new Utf8()),
    cluster: vectorFromArray(rows.map((r) => r.cluster), new Int32()),
  });
  writeFileSync(path.join(dir, 'labels.arrow'), tableToIPC(table, 'file'));
  return dir;
}

/** A folder DB whose two sub-folders hold files of the same name. */
async function folderDb(): Promise<{ root: string; files: string[] }> {
  const root = path.join(tmp(), 'pool');
  const files: string[] = [];
  for (const [i, rel] of ['a/0001.png', 'b/0001.png', 'b/deep/x.png'].entries()) {
    const f = path.join(root, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    await writeImageFile(createImageU8(4, 4, 1, new Uint8Array(16).fill(40 * (i + 1))), f);
    files.push(f);
  }
  return { root, files };
}

const tree = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !lstatSync(path.join(dir, f)).isDirectory()).sort();

describe('materializedName', () => {
  it('keeps the path relative to the DB root, falls back to the id outside it, names file-less rows by id', () => {
    expect(materializedName({ id: 'b/deep/x.png', path: '/data/pool/b/deep/x.png' }, '/data/pool')).toBe('b/deep/x.png');
    expect(materializedName({ id: 'row-7', path: '/elsewhere/img.JPG' }, '/data/pool')).toBe('row-7.JPG');
    expect(materializedName({ id: 'mnist/123', path: null }, undefined)).toBe('mnist/123.png');
    expect(materializedName({ id: '../../etc/passwd', path: null }, undefined)).toBe('__/__/etc/passwd.png');
    expect(safeRelativePath('a//./b:c')).toBe('a/b_c');
  });
});

describe('materializeLabels', () => {
  it('copy: images/<cluster>/<path in the DB>, same-named files of two sub-folders kept apart, listed in the manifest', async () => {
    const { root, files } = await folderDb();
    const dir = await newdb([
      { id: 'a/0001.png', path: files[0], cluster: 1 },
      { id: 'b/0001.png', path: files[1], cluster: 1 },
      { id: 'b/deep/x.png', path: files[2], cluster: 0 },
    ]);
    const s = await materializeLabels({ newdb: dir, how: 'copy', poolDb: `folder:${root}` }, { log: () => {} });
    expect(s).toMatchObject({ how: 'copy', files: 3, encoded: 0, clusters: 2 });
    expect(tree(path.join(dir, 'images'))).toEqual(['0/b/deep/x.png', '1/a/0001.png', '1/b/0001.png']);
    expect(readFileSync(path.join(dir, 'images/1/b/0001.png'))).toEqual(readFileSync(files[1]));
    expect(lstatSync(path.join(dir, 'images/1/a/0001.png')).isSymbolicLink()).toBe(false);
    const listed = (await readRunManifest(dir))!.files;
    expect(listed).toEqual(expect.arrayContaining(['images/0/b/deep/x.png', 'images/1/a/0001.png', 'images/1/b/0001.png', 'selected.csv']));
    // no temp folder left behind
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('link: symbolic links to the absolute sources; a second run replaces its own images and forgets the old entries', async () => {
    const { root, files } = await folderDb();
    const dir = await newdb([
      { id: 'a/0001.png', path: files[0], cluster: 0 },
      { id: 'b/0001.png', path: files[1], cluster: 1 },
    ]);
    await materializeLabels({ newdb: dir, how: 'copy', poolDb: `folder:${root}` }, { log: () => {} });
    // labels change (a rerun of the later steps): cluster 1 → 2
    const again = await newdb([
      { id: 'a/0001.png', path: files[0], cluster: 0 },
      { id: 'b/0001.png', path: files[1], cluster: 2 },
    ]);
    writeFileSync(path.join(dir, 'labels.arrow'), readFileSync(path.join(again, 'labels.arrow')));
    await materializeLabels({ newdb: dir, how: 'link', poolDb: `folder:${root}` }, { log: () => {} });
    expect(tree(path.join(dir, 'images'))).toEqual(['0/a/0001.png', '2/b/0001.png']);
    expect(readlinkSync(path.join(dir, 'images/2/b/0001.png'))).toBe(files[1]);
    const listed = (await readRunManifest(dir))!.files.filter((f) => f.startsWith('images/'));
    expect(listed).toEqual(['images/0/a/0001.png', 'images/2/b/0001.png']);
    // the sources are untouched
    expect(existsSync(files[1]) && !lstatSync(files[1]).isSymbolicLink()).toBe(true);
  });

  it('refuses an images/ holding a file twindb did not write, and leaves everything as it was', async () => {
    const { root, files } = await folderDb();
    const dir = await newdb([{ id: 'a/0001.png', path: files[0], cluster: 0 }]);
    mkdirSync(path.join(dir, 'images/0'), { recursive: true });
    writeFileSync(path.join(dir, 'images/0/mine.txt'), 'keep me');
    await expect(materializeLabels({ newdb: dir, how: 'copy', poolDb: `folder:${root}` }, { log: () => {} })).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringContaining('images/0/mine.txt'),
    });
    expect(tree(path.join(dir, 'images'))).toEqual(['0/mine.txt']);
    expect(readFileSync(path.join(dir, 'images/0/mine.txt'), 'utf8')).toBe('keep me');
    expect((await readRunManifest(dir))!.files.some((f) => f.startsWith('images/'))).toBe(false);
  });

  it('refuses a folder without a manifest (not a new DB twindb wrote)', async () => {
    const dir = path.join(tmp(), 'plain');
    mkdirSync(dir);
    await expect(materializeLabels({ newdb: dir, how: 'copy', poolDb: 'mnist:pool' }, { log: () => {} })).rejects.toMatchObject({ code: 'usage' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a DB without files (mnist:): PNGs named by id, holding the digit itself', async () => {
    const src = await openImageSource('mnist:pool');
    const ids = [src.records[0].id, src.records[5].id];
    const dir = await newdb(ids.map((id, i) => ({ id, path: null, cluster: i })));
    const s = await materializeLabels({ newdb: dir, how: 'link', poolDb: 'mnist:pool' }, { log: () => {} });
    expect(s).toMatchObject({ files: 2, encoded: 2 });
    expect(tree(path.join(dir, 'images'))).toEqual([`0/${ids[0]}.png`, `1/${ids[1]}.png`]);
    const png = await decodeImageFile(path.join(dir, 'images', '1', `${ids[1]}.png`), { channels: 1 });
    expect(Array.from(png.data)).toEqual(Array.from((await src.load(5)).data));
  });
});
