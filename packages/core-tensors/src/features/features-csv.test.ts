import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { exportFeaturesCsv, importFeaturesCsv } from './features-csv.js';
import { FeatureWriter } from './feature-writer.js';
import { loadFeatures } from './load-features.js';

const dir = mkdtempSync(join(tmpdir(), 'twindb-features-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (ext: string) => join(dir, `f${n++}.${ext}`);

async function writeFeatures(rows: { id: string; path: string | null; label: number | null }[], dim: number, seed: number) {
  const rng = new Rng(seed);
  const embeddings = new Float32Array(rows.length * dim).map(() => rng.normal() * 10 ** (rng.int(12) - 6));
  const path = file('arrow');
  const w = await FeatureWriter.create(path, { encoder: 'e', dim, normalized: false, db: 'db' }, { batchRows: 16 });
  await w.appendBatch({ ids: rows.map((r) => r.id), paths: rows.map((r) => r.path), labels: rows.map((r) => r.label), embeddings });
  await w.close();
  return { path, embeddings };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('CSV export/import', () => {
  it('round-trips path-only files as the Python scripts wrote them (ids = paths), bit-exactly', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: `img/${i},"x".jpg`, path: `img/${i},"x".jpg`, label: null }));
    const { path, embeddings } = await writeFeatures(rows, 5, 1);
    const csv = file('csv');
    expect(await exportFeaturesCsv(path, csv)).toEqual({ rows: 50, dim: 5 });
    const lines = readFileSync(csv, 'utf8').split('\n');
    expect(lines[0]).toBe('path,f0,f1,f2,f3,f4');
    expect(lines[1].startsWith('"img/0,""x"".jpg",')).toBe(true);

    const back = file('arrow');
    expect(await importFeaturesCsv(csv, back, { encoder: 'py', db: 'target' })).toEqual({ rows: 50, dim: 5 });
    const loaded = await loadFeatures(back);
    expect(loaded.meta).toEqual({ format: '1', encoder: 'py', dim: 5, normalized: false, db: 'target' });
    expect(loaded.ids).toEqual(rows.map((r) => r.id));
    expect(loaded.paths).toEqual(rows.map((r) => r.path));
    expect(bits(loaded.embeddings)).toEqual(bits(embeddings));
  });

  it('round-trips ids, null paths and labels with includeId/includeLabel', async () => {
    const rows = [
      { id: 'a', path: 'ä/1.png', label: 3 },
      { id: 'b', path: null, label: null },
      { id: 'c', path: 'c.png', label: -2 },
    ];
    const { path, embeddings } = await writeFeatures(rows, 2, 2);
    const csv = file('csv');
    await exportFeaturesCsv(path, csv, { includeId: true, includeLabel: true });
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe('path,id,label,f0,f1');
    const back = file('arrow');
    await importFeaturesCsv(csv, back);
    const loaded = await loadFeatures(back);
    expect(loaded.ids).toEqual(['a', 'b', 'c']);
    expect(loaded.paths).toEqual(['ä/1.png', null, 'c.png']);
    expect(loaded.labels).toEqual([3, null, -2]);
    expect(bits(loaded.embeddings)).toEqual(bits(embeddings));
  });

  it('export refuses to drop ids that differ from paths, and leaves no CSV', async () => {
    const { path } = await writeFeatures([{ id: 'a', path: 'a.png', label: null }], 2, 3);
    const csv = file('csv');
    await expect(exportFeaturesCsv(path, csv)).rejects.toThrow(
      `${path}: row 0 (id "a"): id differs from path "a.png"; a path-only CSV would lose it (pass includeId: true)`,
    );
    expect(existsSync(csv)).toBe(false);
  });

  it('import accepts columns in any order, CRLF, a BOM and a pandas index column', async () => {
    const csv = file('csv');
    writeFileSync(csv, '\ufeff,f1,path,label,f0\r\n0,2.5,x.png,7,1e-3\r\n1,-0,y.png,,3\r\n');
    const back = file('arrow');
    await importFeaturesCsv(csv, back);
    const loaded = await loadFeatures(back);
    expect(loaded.ids).toEqual(['x.png', 'y.png']);
    expect(loaded.labels).toEqual([7, null]);
    expect(Array.from(loaded.embeddings)).toEqual([Math.fround(1e-3), 2.5, 3, -0]);
  });
});

describe('CSV import errors name the line and column and leave no feature file', () => {
  const cases: [string, string, string][] = [
    ['a non-number', 'path,f0,f1\na,1,2\nb,1,abc\n', 'line 3, column "f1": "abc" is not a finite number'],
    ['an empty value', 'path,f0,f1\na,1,\n', 'line 2, column "f1": "" is not a finite number'],
    ['NaN written by numpy', 'path,f0,f1\na,nan,1\n', 'line 2, column "f0": "nan" is not a finite number'],
    ['too few fields', 'path,f0,f1\na,1\n', 'line 2: has 2 fields, the header has 3'],
    ['a gap in the f-columns', 'path,f0,f2\na,1,2\n', 'line 1, column "f1": missing, but the header has 2 feature columns (expected f0..f1)'],
    ['an unknown column', 'path,f0,score\na,1,2\n', 'line 1, column "score": unknown column; expected path, f0..f{d-1}, and optionally id and label'],
    ['no path or id column', 'f0,f1\n1,2\n', `line 1: the header has neither a "path" nor an "id" column`],
    ['a bad label', 'path,label,f0\na,1.5,1\n', 'line 2, column "label": "1.5" is not an int32 (leave it empty when unknown)'],
    ['an empty path without id', 'path,f0\n,1\n', 'line 2, column "path": empty; every row needs an id (or a path to use as id)'],
    ['an unterminated quote', 'path,f0\n"a,1\n', 'line 2, column "path": unterminated quoted field'],
    ['a duplicate path', 'path,f0\na,1\nb,2\na,3\n', 'line 4, column "path": duplicate id (an earlier row has the same id) (id "a")'],
    ['an empty file', '', 'line 1: empty file; expected a header path,f0,f1,…'],
  ];
  it.each(cases)('%s', async (_name, text, message) => {
    const d = mkdtempSync(join(dir, 'bad-'));
    const csv = join(d, 'in.csv');
    writeFileSync(csv, text);
    await expect(importFeaturesCsv(csv, join(d, 'out.arrow'))).rejects.toThrow(`${csv}: ${message}`);
    expect(readdirSync(d)).toEqual(['in.csv']);
  });

  it('a duplicate far past the first write chunk still names its line', async () => {
    const d = mkdtempSync(join(dir, 'dup-'));
    const csv = join(d, 'in.csv');
    const lines = ['path,f0'];
    for (let i = 0; i < 3000; i++) lines.push(`p${i},${i}`);
    lines.push('p5,1');
    writeFileSync(csv, lines.join('\n') + '\n');
    await expect(importFeaturesCsv(csv, join(d, 'out.arrow'), { batchRows: 500 })).rejects.toThrow(
      `${csv}: line 3002, column "path": duplicate id`,
    );
    expect(readdirSync(d)).toEqual(['in.csv']);
  });

  it('dim and normalized options are checked against the data', async () => {
    const d = mkdtempSync(join(dir, 'opts-'));
    const csv = join(d, 'in.csv');
    writeFileSync(csv, 'path,f0,f1\na,0.6,0.8\nb,1,1\n');
    await expect(importFeaturesCsv(csv, join(d, 'o.arrow'), { dim: 3 })).rejects.toThrow(
      'line 1: the header has 2 feature columns, expected dim 3',
    );
    await expect(importFeaturesCsv(csv, join(d, 'o.arrow'), { normalized: true })).rejects.toThrow(
      /line 3: embedding has L2 norm 1\.41.* \(id "b"\)/,
    );
    expect(readdirSync(d)).toEqual(['in.csv']);
  });
});

describe('CSV export/import: outputs never replace what they should not', () => {
  it('import-csv a.csv a.csv is refused before reading, and the CSV is left as it was', async () => {
    const csv = file('csv');
    const text = 'path,f0\na.png,1\n';
    writeFileSync(csv, text);
    await expect(importFeaturesCsv(csv, csv)).rejects.toThrow(/is the input .*never writes over its input/);
    expect(readFileSync(csv, 'utf8')).toBe(text);
    const arrow = (await writeFeatures([{ id: 'a', path: 'a', label: null }], 2, 3)).path;
    const before = readFileSync(arrow);
    await expect(exportFeaturesCsv(arrow, arrow)).rejects.toThrow(/is the input/);
    expect(readFileSync(arrow)).toEqual(before);
  });

  it('export-csv writes through a symlink (the link stays) and into a FIFO (never replaced by a file)', async () => {
    const { path } = await writeFeatures([{ id: 'a', path: 'a', label: null }], 2, 4);
    const target = file('csv');
    writeFileSync(target, 'old');
    const link = file('csv');
    symlinkSync(target, link);
    await exportFeaturesCsv(path, link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toMatch(/^path,f0,f1\na,/);

    const fifo = file('fifo');
    execFileSync('mkfifo', [fifo]);
    const got = new Promise<string>((resolve, reject) => {
      let s = '';
      createReadStream(fifo, 'utf8').on('data', (c) => (s += c)).on('end', () => resolve(s)).on('error', reject);
    });
    await exportFeaturesCsv(path, fifo);
    expect(await got).toMatch(/^path,f0,f1\na,/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe("headerless CSV (the fork's csv.writer rows name,f0,f1,…)", () => {
  it('reads names (with commas, or all digits as VOC names are) and the trailing numeric fields, CRLF or LF', async () => {
    const csv = file('csv');
    writeFileSync(csv, '000123,0.5,-1.25,3\r\n"clip, 7.jpg",1,2,3\r\na.png,1e-3,0,-0\r\n\r\n');
    const back = file('arrow');
    expect(await importFeaturesCsv(csv, back)).toEqual({ rows: 3, dim: 3 });
    const loaded = await loadFeatures(back);
    expect(loaded.ids).toEqual(['000123', 'clip, 7.jpg', 'a.png']);
    expect(loaded.paths).toEqual(loaded.ids);
    expect(Array.from(loaded.embeddings)).toEqual([0.5, -1.25, 3, 1, 2, 3, Math.fround(1e-3), 0, -0]);
    // an unquoted name with a comma (read_csv_v2 joins the leading non-numeric fields)
    const loose = file('csv');
    writeFileSync(loose, 'road,day,1.jpg,0.25,1\n');
    const looseArrow = file('arrow');
    expect(await importFeaturesCsv(loose, looseArrow)).toEqual({ rows: 1, dim: 2 });
    expect((await loadFeatures(looseArrow)).ids).toEqual(['road,day,1.jpg']);
  });

  it('names the file and line of a row that disagrees in dimension, has no name or no numbers, and checks an expected dim', async () => {
    const cases: [string, RegExp][] = [
      ['a.jpg,1,2,3\nb.jpg,1,2\n', /line 2: has 2 feature values after the name "b\.jpg", the first row has 3/],
      ['a.jpg,1,2,3\n,1,2,3\n', /line 2: no name/],
      ['a.jpg,1,2,3\nb.jpg,x,y,z\n', /line 2: no feature values/],
      ['a.jpg,1,2,3\na.jpg,4,5,6\n', /line 2, column "name": duplicate id/],
    ];
    for (const [text, problem] of cases) {
      const csv = file('csv');
      writeFileSync(csv, text);
      const out = file('arrow');
      const err = await importFeaturesCsv(csv, out).catch((e: unknown) => e);
      expect(String(err)).toContain(csv);
      expect(String(err)).toMatch(problem);
      expect(existsSync(out)).toBe(false);
    }
    const csv = file('csv');
    writeFileSync(csv, 'a.jpg,1,2,3\n');
    await expect(importFeaturesCsv(csv, file('arrow'), { dim: 4 })).rejects.toThrow(/line 1: has 3 feature values, expected dim 4/);
  });
});

/** python3 with its csv module, when this machine has one (the cross-check against the real csv.writer is skipped otherwise). */
const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import csv'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe("headerless CSV export (the fork's layout, as csv.writer writes it)", () => {
  const rows = [
    { id: 'road,day,1.jpg', path: '/db/JPEGImages/road,day,1.jpg', label: 2 },
    { id: 'say "cheese".png', path: null, label: null },
    { id: '000123', path: '000123', label: null },
    { id: 'ä/clip 7.jpg', path: 'x', label: 1 },
    { id: 'plain.jpg', path: 'plain.jpg', label: null },
  ];

  it('writes name,f0,f1,… (name = id, quoted only with a comma or quote, CRLF) and reads back bit-exactly', async () => {
    const { path, embeddings } = await writeFeatures(rows, 4, 9);
    const csv = file('csv');
    expect(await exportFeaturesCsv(path, csv, { headerless: true })).toEqual({ rows: 5, dim: 4 });
    const text = readFileSync(csv, 'utf8');
    // A direct re-implementation of csv.writer's QUOTE_MINIMAL rows.
    const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const lines = text.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => l.split(',').length >= 5)).toEqual(rows.map(() => true));
    expect(lines[0].startsWith('"road,day,1.jpg",')).toBe(true);
    expect(lines[1].startsWith('"say ""cheese"".png",')).toBe(true);
    expect(lines[2].startsWith('000123,')).toBe(true);
    expect(lines.map((l) => l.slice(0, l.length - l.split(',').slice(-4).join(',').length - 1))).toEqual(rows.map((r) => q(r.id)));
    expect(text).not.toMatch(/[^\r]\n/);
    const back = file('arrow');
    expect(await importFeaturesCsv(csv, back)).toEqual({ rows: 5, dim: 4 });
    const loaded = await loadFeatures(back);
    expect(loaded.ids).toEqual(rows.map((r) => r.id));
    expect(bits(loaded.embeddings)).toEqual(bits(embeddings));
  });

  it.skipIf(!python)("is byte for byte what Python's csv.writer writes, and csv.reader reads the names and float32 values back", async () => {
    const { path, embeddings } = await writeFeatures(rows, 3, 10);
    const csv = file('csv');
    await exportFeaturesCsv(path, csv, { headerless: true });
    // Python rewrites the rows it read with csv.writer (same strings): the bytes must not change.
    const script = [
      'import csv, io, json, struct, sys',
      'rows = list(csv.reader(open(sys.argv[1], newline="")))',
      'buf = io.StringIO(); w = csv.writer(buf); [w.writerow(r) for r in rows]',
      'f32 = lambda s: struct.unpack("<I", struct.pack("<f", float(s)))[0]',
      'print(json.dumps({"same": buf.getvalue() == open(sys.argv[1], newline="").read(), "names": [r[0] for r in rows], "bits": [f32(x) for r in rows for x in r[1:]]}))',
    ].join('\n');
    const got = JSON.parse(execFileSync('python3', ['-c', script, csv], { encoding: 'utf8' }));
    expect(got.same).toBe(true);
    expect(got.names).toEqual(rows.map((r) => r.id));
    expect(got.bits).toEqual(bits(embeddings));
  });

  it('leaves neither the CSV nor its temp when the Arrow input cannot be read', async () => {
    const sub = join(dir, 'unreadable');
    execFileSync('mkdir', ['-p', sub]);
    const bad = join(sub, 'cut.arrow');
    const { path } = await writeFeatures(rows, 2, 12);
    writeFileSync(bad, readFileSync(path).subarray(0, 200)); // truncated: no footer
    await expect(exportFeaturesCsv(bad, join(sub, 'out.csv'), { headerless: true })).rejects.toThrow(/cut\.arrow/);
    expect(readdirSync(sub)).toEqual(['cut.arrow']);
  });

  it('refuses includeId / includeLabel with the headerless layout', async () => {
    const { path } = await writeFeatures(rows.slice(0, 1), 2, 11);
    await expect(exportFeaturesCsv(path, file('csv'), { headerless: true, includeLabel: true })).rejects.toThrow(/headerless layout is name,f0,f1,… .*no id or label column/);
  });
});
