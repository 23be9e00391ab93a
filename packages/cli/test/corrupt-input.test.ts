import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { createImageU8, writeImageFile } from '@twindb/core-tensors/data';
import { loadFeatures, parseTempName, Rng } from '@twindb/core-tensors';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { describe, expect, it } from 'vitest';
import { runTwindbExit as twindb } from './run-twindb.js';

/*
 * A corpus of bad inputs: every case ends with a message naming the file, the right exit code,
 * and nothing at a final output name (and no temp file) unless the run could go on.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-corpus-'));
const temps = (d: string) => readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => parseTempName(path.basename(f)));

function encoder(): string {
  const rng = new Rng('corpus');
  const g = new OnnxGraphBuilder('corpus');
  g.input('pixels', ['batch', 8, 8, 3]);
  const flat = g.node('Flatten', ['pixels'], { axis: 1 });
  g.node('MatMul', [flat, g.initializer('w', Float32Array.from({ length: 192 * 4 }, () => rng.normal()), [192, 4])], {}, 'features');
  g.output('features', ['batch', 4]);
  const file = path.join(dir, 'enc.onnx');
  writeFileSync(file, g.toBytes({ 'twindb.layout': 'NHWC', 'twindb.input_shape': '[8,8,3]', 'twindb.normalize_mean': '[0.5,0.5,0.5]', 'twindb.normalize_std': '[0.25,0.25,0.25]' }));
  return file;
}

/** A tiny PNG whose header declares `width` × `height` 8-bit grey pixels (a decompression bomb's header). */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // bit depth 8, grey, deflate, no filter, no interlace
  // A few rows of zeros: the data of a real bomb (10¹⁰ zero bytes) would deflate to ~10 MB; the header alone must stop the decoder.
  const idat = deflateSync(Buffer.alloc(4 * (width + 1)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * An image file twindb cannot read. chmod 000 stops every reader but root (tests often run as
 * root, who reads it anyway): then a folder named like an image, listed in a list DB, which no
 * decoder can read either (EISDIR).
 */
function unreadableImage(file: string, like: string): string {
  if (process.getuid?.() === 0) {
    mkdirSync(file);
    return 'a folder named like an image (root reads a chmod 000 file)';
  }
  writeFileSync(file, readFileSync(like));
  chmodSync(file, 0o000);
  return 'chmod 000';
}

describe('corrupt-input corpus', () => {
  it('images: zero-byte, truncated, wrong extension, symlink loop are each rejected by name; a run with none readable writes nothing', async () => {
    const enc = encoder();
    const db = path.join(dir, 'images');
    mkdirSync(db);
    const good = path.join(db, 'good.png');
    await writeImageFile(createImageU8(8, 8, 3, new Uint8Array(192).fill(90)), good);
    writeFileSync(path.join(db, 'zero.png'), '');
    writeFileSync(path.join(db, 'truncated.png'), readFileSync(good).subarray(0, 40));
    writeFileSync(path.join(db, 'text.jpg'), 'this is not a jpeg');
    symlinkSync('.', path.join(db, 'loop'));
    const out = path.join(dir, 'feats', 'db.arrow');
    const r = await twindb('extract', '--encoder', enc, '--db', `folder:${db}`, '--out', out);
    expect(r.code, r.err).toBe(0);
    const rejected = readFileSync(`${out}.rejected.csv`, 'utf8');
    for (const name of ['zero.png', 'truncated.png', 'text.jpg', 'loop']) expect(rejected).toContain(name);
    expect(r.err).toMatch(/skipped unreadable image .*zero\.png/);

    const bad = path.join(dir, 'all-bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'zero.png'), '');
    writeFileSync(path.join(bad, 'text.jpg'), 'nope');
    const out2 = path.join(dir, 'feats', 'bad.arrow');
    const r2 = await twindb('extract', '--encoder', enc, '--db', `folder:${bad}`, '--out', out2);
    expect(r2.code).toBe(3);
    expect(r2.err).toMatch(/all-bad.*no readable image/);
    expect(existsSync(out2)).toBe(false);
    expect(temps(path.join(dir, 'feats'))).toEqual([]);
  });

  it('images: an unreadable file and a decompression bomb (100000×100000) are each rejected by name; a run with only those is exit 3 and writes nothing', async () => {
    const enc = encoder();
    const db = path.join(dir, 'hostile');
    mkdirSync(db);
    const good = path.join(db, 'good.png');
    await writeImageFile(createImageU8(8, 8, 3, new Uint8Array(192).fill(90)), good);
    const how = unreadableImage(path.join(db, 'locked.png'), good);
    writeFileSync(path.join(db, 'bomb.png'), pngDeclaring(100_000, 100_000));
    expect(readFileSync(path.join(db, 'bomb.png')).length).toBeLessThan(1024);
    // A list DB names each file, whatever it is (a folder DB would walk a folder named like an image).
    const list = path.join(db, 'all.csv');
    writeFileSync(list, 'path\ngood.png\nlocked.png\nbomb.png\n');
    const out = path.join(dir, 'feats-hostile', 'db.arrow');
    const t0 = performance.now();
    const r = await twindb('extract', '--encoder', enc, '--db', `list:${list}`, '--out', out);
    expect(r.code, `${how}: ${r.err}`).toBe(0);
    expect(performance.now() - t0).toBeLessThan(20_000); // the bomb is refused from its header, never decoded
    expect(r.err).toMatch(/skipped unreadable image .*locked\.png: /);
    expect(r.err).toMatch(/skipped unreadable image .*bomb\.png: .*pixel limit/);
    const rejected = readFileSync(`${out}.rejected.csv`, 'utf8');
    expect(rejected).toContain('locked.png');
    expect(rejected).toContain('bomb.png');
    expect((await loadFeatures(out)).ids).toEqual(['good.png']);

    const onlyBad = path.join(db, 'bad.csv');
    writeFileSync(onlyBad, 'path\nlocked.png\nbomb.png\n');
    const out2 = path.join(dir, 'feats-hostile', 'bad.arrow');
    const r2 = await twindb('extract', '--encoder', enc, '--db', `list:${onlyBad}`, '--out', out2);
    expect(r2.code, r2.err).toBe(3);
    expect(r2.err).toMatch(/skipped unreadable image .*locked\.png/);
    expect(r2.err).toMatch(/skipped unreadable image .*bomb\.png/);
    expect(r2.err).toMatch(/bad\.csv: no readable image \(2 file\(s\) rejected/);
    expect(existsSync(out2)).toBe(false);
    expect(existsSync(`${out2}.rejected.csv`)).toBe(false);
    expect(temps(path.join(dir, 'feats-hostile'))).toEqual([]);
  });

  it('features: NaN/Inf rows, duplicate ids, mismatched dims: exit 3, named, nothing written', async () => {
    const cases: [string, string, RegExp][] = [
      ['nan.csv', 'path,f0,f1\na.png,1,NaN\n', /nan\.csv: line 2, column "f1": "NaN" is not a finite number/],
      ['inf.csv', 'path,f0,f1\na.png,Infinity,1\n', /inf\.csv: line 2, column "f0"/],
      ['dup.csv', 'path,f0,f1\na.png,1,2\na.png,3,4\n', /dup\.csv: line 3.*duplicate id/],
    ];
    for (const [name, text, message] of cases) {
      const csv = path.join(dir, name);
      writeFileSync(csv, text);
      const out = path.join(dir, `${name}.arrow`);
      const r = await twindb('features', 'import-csv', csv, out);
      expect(r.code, name).toBe(3);
      expect(r.err).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    writeFileSync(path.join(dir, 't.csv'), 'path,f0,f1\na.png,1,2\n');
    writeFileSync(path.join(dir, 'p.csv'), 'path,f0,f1,f2\nb.png,1,2,3\n');
    const out = path.join(dir, 'newdb');
    const r = await twindb('sample', '--target', path.join(dir, 't.csv'), '--pool', path.join(dir, 'p.csv'), '--out', out);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/p\.csv: embedding dim 3 differs from the target's .*t\.csv.* dim 2/);
    expect(existsSync(out)).toBe(false);
    expect(temps(dir)).toEqual([]);
  });
});
