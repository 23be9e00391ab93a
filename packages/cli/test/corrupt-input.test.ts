import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createImageU8, writeImageFile } from '@twindb/core-tensors/data';
import { parseTempName, Rng } from '@twindb/core-tensors';
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
    expect(r2.code).not.toBe(0);
    expect(r2.err).toMatch(/all-bad.*no readable image/);
    expect(existsSync(out2)).toBe(false);
    expect(temps(path.join(dir, 'feats'))).toEqual([]);
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
