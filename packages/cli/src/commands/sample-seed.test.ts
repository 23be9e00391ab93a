import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '@twindb/core-tensors';
import { createImageU8, decodeImageFile, writeImageFile } from '@twindb/core-tensors/data';
import { afterAll, describe, expect, it } from 'vitest';
import { runTwindb as twindb, runTwindbExit } from '../../test/run-twindb.js';

/*
 * `twindb sample` with nn_maker.py's flags, checked against a direct float64 re-implementation of
 * the fork's rules (issue 12): target de-duplication at --dist_thr (greedy, and --dedup-rule fork),
 * then per --nn_factor K the union of every kept target's top-K pool neighbours → ImageSets and .npy.
 */

const dim = 12;
const rng = new Rng(7);
const randomVec = () => Array.from({ length: dim }, () => rng.normal());
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const add = (a: number[], b: number[], s: number) => a.map((x, i) => x + s * b[i]);

/** csv.writer's quoting: a field with a comma or quote is quoted. */
const field = (s: string) => (/[",]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
/** Rows `name,f0,f1,…` without a header, as the fork's feature_extract.py writes them. */
function writeHeaderless(file: string, rows: { name: string; v: number[] }[]): void {
  writeFileSync(file, rows.map((r) => [field(r.name), ...r.v.map((x) => String(x))].join(',')).join('\r\n') + '\r\n');
}

// Targets: "video" with runs of near-identical frames, and a chain A, B, C where C's nearest
// target B is a removed duplicate of A, but C is still ≥ 0.98 to the kept A (greedy removes it).
const targets: { name: string; v: number[] }[] = [];
for (let g = 0; g < 8; g++) {
  const base = randomVec();
  const frames = 1 + (g % 4);
  for (let f = 0; f < frames; f++) targets.push({ name: g === 3 ? `clip, ${g}-${f}.jpg` : `frame${g}_${f}.jpg`, v: add(base, randomVec(), 0.01 * (f + 1)) });
}
const u1 = unit(randomVec());
const r2 = randomVec();
const d12 = r2.reduce((s, x, i) => s + x * u1[i], 0);
const u2 = unit(add(r2, u1, -d12));
const chainAt = targets.length;
targets.push({ name: 'chainA.jpg', v: u1.map((x) => 3 * x) });
targets.push({ name: 'chainB.jpg', v: add(u1, u2, 0.1) });
targets.push({ name: 'chainC.jpg', v: add(u1, u2, 0.18).map((x) => 0.5 * x) });
for (let i = 0; i < 6; i++) targets.push({ name: `solo${i}.png`, v: randomVec() });

// Pool: random items and items near targets; names with .png / .jpg, one with a comma.
const pool: { name: string; v: number[] }[] = [];
for (let i = 0; i < 160; i++) {
  const near = i % 2 === 0 ? targets[rng.int(targets.length)].v : null;
  pool.push({ name: i === 17 ? `img,${i}.jpg` : `p${String(i).padStart(4, '0')}.${i % 3 ? 'jpg' : 'png'}`, v: near ? add(near, randomVec(), 0.4) : randomVec() });
}

// --- the re-implementation (float64 on the values as read: float32) -----------------------------
const asRead = (rows: { v: number[] }[]) => rows.map((r) => unit(r.v.map(Math.fround)));
const T = asRead(targets);
const P = asRead(pool);
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
/** Indices of `corpus` by descending similarity to q, ties by lower index. */
const ranked = (q: number[], corpus: number[][]) =>
  corpus
    .map((c, i) => ({ i, s: cos(q, c) }))
    .sort((a, b) => b.s - a.s || a.i - b.i);

function greedyKept(thr: number): { kept: number[]; removed: { row: number; by: number }[] } {
  const kept: number[] = [];
  const removed: { row: number; by: number }[] = [];
  T.forEach((t, i) => {
    let by = -1;
    let best = -Infinity;
    for (const j of kept) {
      const s = cos(t, T[j]);
      if (s >= thr && s > best) [best, by] = [s, j];
    }
    if (by >= 0) removed.push({ row: i, by });
    else kept.push(i);
  });
  return { kept, removed };
}

function forkKept(thr: number, n: number): number[] {
  const I = T.map((t) => ranked(t, T).slice(0, n));
  const gone = new Set<number>();
  for (let i = 0; i < T.length; i++) {
    if (gone.has(i)) continue;
    const D = I[i].map((x) => x.s).slice(1); // the fork drops the first column of D, not of I
    D.forEach((s, j) => {
      if (s >= thr) gone.add(I[i][j].i);
    });
  }
  return T.map((_, i) => i).filter((i) => !gone.has(i));
}

function expected(kept: number[], k: number) {
  const lists = kept.map((t) => ranked(T[t], P).slice(0, k + 1).map((x) => x.i));
  const set = [...new Set(lists.flatMap((l) => l.slice(0, k)))].sort((a, b) => a - b);
  return {
    imageSet: set.map((i) => pool[i].name.replace(/\.(png|jpg)$/, '')),
    npy: lists.map((l, t) => [t, ...l]),
  };
}

/** An independent `.npy` reader (int64, C order) for the test. */
function readNpy(file: string): number[][] {
  const buf = readFileSync(file);
  expect(buf.toString('latin1', 0, 6)).toBe('\x93NUMPY');
  const hlen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + hlen);
  expect((10 + hlen) % 64).toBe(0);
  expect(header).toMatch(/'descr': '<i8', 'fortran_order': False/);
  const [rows, cols] = /'shape': \((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from({ length: cols }, (_, c) => Number(buf.readBigInt64LE(10 + hlen + (r * cols + c) * 8))));
  return out;
}

/** python3 with numpy, when this machine has them (the numpy.load check is skipped otherwise). */
const numpy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tCsv = path.join(dir, 'target_features.csv');
const pCsv = path.join(dir, 'near_features.csv');
writeHeaderless(tCsv, targets);
writeHeaderless(pCsv, pool);

const seedRun = async (out: string, ...extra: string[]) =>
  JSON.parse(
    (
      await twindb('sample', '--target_csv', tCsv, '--near_csv', pCsv, '--save_dir', out, '--nn_factor', '5', '10', '--dist_thr', '0.98', '--json', ...extra)
    )
      .trim()
      .split('\n')
      .pop()!,
  );

describe("twindb sample with nn_maker.py's flags", () => {
  it('de-duplicates targets greedily at --dist_thr (a similarity) and writes ImageSets and .npy per --nn_factor, as the rules say', async () => {
    const want = greedyKept(0.98);
    // The data exercise the rules: runs of frames are removed, and the chain's C is removed by
    // the kept A although its nearest target B is itself removed.
    expect(want.removed.length).toBeGreaterThan(8);
    expect(want.removed).toContainEqual({ row: chainAt + 2, by: chainAt });
    const out = path.join(dir, 'greedy');
    const report = await seedRun(out);
    expect(report.mode).toBe('union'); // the seed path's default
    expect(report.sizes.target).toBe(want.kept.length);
    expect(report.targetDedup).toMatchObject({ rule: 'greedy', similarity: 0.98, targets: targets.length, removed: want.removed.length });
    expect(report.coverage.threshold).toBe(2); // --dist_thr is no pool-distance threshold
    expect(report.sizes.k).toBe(10);
    const removed = readFileSync(path.join(out, 'removed-targets.csv'), 'utf8').trim().split('\n');
    expect(removed[0]).toBe('target_id,duplicate_of,similarity');
    expect(removed.slice(1).map((l) => l.replace(/,[^,]*$/, ''))).toEqual(want.removed.map((r) => [field(targets[r.row].name), field(targets[r.by].name)].join(',')));
    for (const k of [5, 10]) {
      const e = expected(want.kept, k);
      expect(readFileSync(path.join(out, 'ImageSets', `scan_nn${k}.txt`), 'utf8')).toBe(`${e.imageSet.join('\n')}\n`);
      expect(readNpy(path.join(out, `topk${k}_neighbors_val_from_train.npy`))).toEqual(e.npy);
    }
    // twindb's own outputs are those of the largest K; the manifest lists the seed's files.
    const selected = readFileSync(path.join(out, 'selected.csv'), 'utf8').trim().split('\n').length - 1;
    expect(selected).toBe(expected(want.kept, 10).imageSet.length);
    const manifest = JSON.parse(readFileSync(path.join(out, '.twindb-run.json'), 'utf8'));
    expect(manifest.files).toEqual(expect.arrayContaining(['ImageSets/scan_nn5.txt', 'ImageSets/scan_nn10.txt', 'removed-targets.csv', 'topk10_neighbors_val_from_train.npy']));
  });

  it("--dedup-rule fork reproduces the fork's shifted marks exactly", async () => {
    const kept = forkKept(0.98, 5 + 1);
    expect(kept).not.toEqual(greedyKept(0.98).kept); // the rules differ on these data
    const out = path.join(dir, 'fork');
    const report = await seedRun(out, '--dedup-rule', 'fork');
    expect(report.targetDedup).toMatchObject({ rule: 'fork', kept: kept.length });
    for (const k of [5, 10]) {
      const e = expected(kept, k);
      expect(readFileSync(path.join(out, 'ImageSets', `scan_nn${k}.txt`), 'utf8')).toBe(`${e.imageSet.join('\n')}\n`);
      expect(readNpy(path.join(out, `topk${k}_neighbors_val_from_train.npy`))).toEqual(e.npy);
    }
  });

  it('--nn_npy reuses saved neighbours (same ImageSets) and refuses a file whose shape does not match', async () => {
    const first = path.join(dir, 'npy-src');
    await seedRun(first);
    const again = path.join(dir, 'npy-reuse');
    await seedRun(again, '--nn_npy', path.join(first, 'topk10_neighbors_val_from_train.npy'));
    for (const k of [5, 10]) {
      expect(readFileSync(path.join(again, 'ImageSets', `scan_nn${k}.txt`), 'utf8')).toBe(readFileSync(path.join(first, 'ImageSets', `scan_nn${k}.txt`), 'utf8'));
    }
    const short = await runTwindbExit('sample', '--target_csv', tCsv, '--near_csv', pCsv, '--save_dir', path.join(dir, 'npy-bad'), '--nn_factor', '10', '--nn_npy', path.join(first, 'topk5_neighbors_val_from_train.npy'));
    expect(short.code).toBe(3);
    expect(short.err).toMatch(/topk5_neighbors_val_from_train\.npy: shape \(\d+, 7\) does not match/);
    expect(existsSync(path.join(dir, 'npy-bad'))).toBe(false);
    // Rows: another threshold keeps another number of targets.
    const rows = await runTwindbExit('sample', '--target_csv', tCsv, '--near_csv', pCsv, '--save_dir', path.join(dir, 'npy-bad'), '--nn_factor', '10', '--dist_thr', '0.9999', '--nn_npy', path.join(first, 'topk10_neighbors_val_from_train.npy'));
    expect(rows.code).toBe(3);
    expect(rows.err).toMatch(new RegExp(`topk10_neighbors_val_from_train\\.npy: shape \\(${greedyKept(0.98).kept.length}, 12\\) does not match the inputs: expected ${greedyKept(0.9999).kept.length} rows \\(the kept targets\\)`));
    expect(existsSync(path.join(dir, 'npy-bad'))).toBe(false);
  });

  it('an explicit --mode wins over the seed default, and the ImageSets are written in every mode', async () => {
    const out = path.join(dir, 'match');
    const report = await seedRun(out, '--mode', 'match');
    expect(report.mode).toBe('match');
    expect(readFileSync(path.join(out, 'ImageSets', 'scan_nn5.txt'), 'utf8')).toBe(`${expected(greedyKept(0.98).kept, 5).imageSet.join('\n')}\n`);
  });

  it('warns for listed names without Annotations/<name>.xml when --near_db is given', async () => {
    const db = path.join(dir, 'near_db');
    mkdirSync(path.join(db, 'Annotations'), { recursive: true });
    const names = expected(greedyKept(0.98).kept, 10).imageSet;
    for (const n of names.slice(1)) writeFileSync(path.join(db, 'Annotations', `${n}.xml`), '<annotation/>');
    const report = await seedRun(path.join(dir, 'ann'), '--near_db', db);
    expect(report.nnMaker).toMatchObject({ missingAnnotations: 1, missingAnnotationsFile: 'missing-annotations.txt' });
    expect(report.warnings.join('\n')).toContain(`${names[0]}.xml`);
    expect(readFileSync(path.join(dir, 'ann', 'missing-annotations.txt'), 'utf8')).toBe(`${names[0]}\n`);
    // Many missing: the first 20 are warnings, then a count; every one is named in the file.
    rmSync(path.join(db, 'Annotations'), { recursive: true });
    mkdirSync(path.join(db, 'Annotations'));
    const all = await seedRun(path.join(dir, 'ann-all'), '--near_db', db);
    expect(all.nnMaker.missingAnnotations).toBe(names.length);
    expect(readFileSync(path.join(dir, 'ann-all', 'missing-annotations.txt'), 'utf8')).toBe(`${names.join('\n')}\n`);
    expect(all.warnings.filter((w: string) => w.startsWith('no annotation '))).toHaveLength(20);
    expect(all.warnings.join('\n')).toContain(`… and ${names.length - 20} more listed images without an annotation`);
  });

  it('--montage N draws the first N kept targets then their K nearest pool images, 236×236 each, side by side (nn_<i><name>.jpg)', async () => {
    // Solid images, one colour per image (6 levels per channel, 40 apart): a cell's mean colour names its image.
    const colour = (i: number) => [20 + 40 * (i % 6), 20 + 40 * (Math.floor(i / 6) % 6), 20 + 40 * (Math.floor(i / 36) % 6)];
    const solid = (c: number[], w: number, h: number) => createImageU8(w, h, 3, Uint8Array.from({ length: w * h * 3 }, (_, j) => c[j % 3]));
    const tdb = path.join(dir, 'montage_target_db');
    const pdb = path.join(dir, 'montage_near_db');
    mkdirSync(tdb, { recursive: true });
    mkdirSync(path.join(pdb, 'JPEGImages'), { recursive: true }); // VOC layout: found as <db>/JPEGImages/<name>
    // Targets are twice as wide as high with a white left quarter: stretched to 236×236 (not cropped or padded), it stays the cell's left quarter.
    const striped = (c: number[]) => {
      const img = solid(c, 64, 32);
      for (let y = 0; y < 32; y++) img.data.fill(250, y * 64 * 3, (y * 64 + 16) * 3);
      return img;
    };
    for (const [i, t] of targets.entries()) await writeImageFile(striped(colour(i)), path.join(tdb, t.name));
    for (const [i, p] of pool.entries()) await writeImageFile(solid(colour(i), 50, 20 + (i % 4) * 10), path.join(pdb, 'JPEGImages', p.name));
    const kept = greedyKept(0.98).kept;
    const lists = expected(kept, 10).npy;
    const gone = lists[1][3]; // one neighbour's image is missing: its cell is grey, with a warning
    unlinkSync(path.join(pdb, 'JPEGImages', pool[gone].name));

    const out = path.join(dir, 'montage');
    const report = await seedRun(out, '--target_db', tdb, '--near_db', pdb, '--montage', '3');
    const names = kept.slice(0, 3).map((t, i) => `nn_${i}${targets[t].name.replace(/\.(png|jpg)$/, '')}.jpg`);
    expect(readdirSync(path.join(out, 'montage')).sort()).toEqual([...names].sort());
    expect(report.montage).toMatchObject({ folder: 'montage', files: names.map((n) => `montage/${n}`), k: 10, missingImages: 1 });
    expect(report.warnings.join('\n')).toMatch(new RegExp(`montage: no image file for the pool item ${JSON.stringify(pool[gone].name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    for (const [i, t] of kept.slice(0, 3).entries()) {
      const img = await decodeImageFile(path.join(out, 'montage', names[i]));
      expect([img.width, img.height]).toEqual([236 * 11, 236]);
      /** Mean colour of columns [x0, x1) of cell c, inside a margin (JPEG rings at the edges between cells). */
      const mean = (c: number, x0 = 18, x1 = 218) => {
        const sum = [0, 0, 0];
        for (let y = 18; y < 218; y++) for (let x = c * 236 + x0; x < c * 236 + x1; x++) for (let ch = 0; ch < 3; ch++) sum[ch] += img.data[(y * img.width + x) * 3 + ch];
        return sum.map((v) => v / (200 * (x1 - x0)));
      };
      const close = (got: number[], want: number[]) => got.forEach((v, ch) => expect(Math.abs(v - want[ch])).toBeLessThan(6));
      close(mean(0, 6, 50), [250, 250, 250]); // the white quarter: 59 columns of the stretched target
      close(mean(0, 72, 230), colour(t));
      lists[i].slice(1, 11).forEach((row, j) => close(mean(j + 1), row === gone ? [128, 128, 128] : colour(row)));
    }
  });

  it('--target-dedup gives the same greedy de-duplication with twindb\'s own flags, in any mode, without the seed outputs', async () => {
    const want = greedyKept(0.98);
    const out = path.join(dir, 'native-dedup');
    const json = await twindb('sample', '--target', tCsv, '--pool', pCsv, '--out', out, '--target-dedup', '0.98', '--mode', 'quota', '-k', '3', '--min-coverage', '0', '--json');
    const report = JSON.parse(json.trim().split('\n').pop()!);
    expect(report.mode).toBe('quota');
    expect(report.targetDedup).toMatchObject({ rule: 'greedy', similarity: 0.98, targets: targets.length, removed: want.removed.length, kept: want.kept.length });
    const removed = readFileSync(path.join(out, 'removed-targets.csv'), 'utf8').trim().split('\n').slice(1);
    expect(removed.map((l) => l.replace(/,[^,]*$/, ''))).toEqual(want.removed.map((r) => [field(targets[r.row].name), field(targets[r.by].name)].join(',')));
    expect(report.nnMaker).toBeUndefined();
    expect(existsSync(path.join(out, 'ImageSets'))).toBe(false);
  });

  it.skipIf(!numpy)('writes .npy files that numpy.load reads as int64 [target position, K + 1 pool indices]', async () => {
    const out = path.join(dir, 'numpy');
    await seedRun(out);
    const kept = greedyKept(0.98).kept;
    for (const k of [5, 10]) {
      const script = 'import json, sys, numpy; a = numpy.load(sys.argv[1]); print(json.dumps({"dtype": str(a.dtype), "shape": list(a.shape), "rows": a.tolist()}))';
      const got = JSON.parse(execFileSync('python3', ['-c', script, path.join(out, `topk${k}_neighbors_val_from_train.npy`)], { encoding: 'utf8' }));
      expect(got).toEqual({ dtype: 'int64', shape: [kept.length, k + 2], rows: expected(kept, k).npy });
    }
  });

  it('exits 3 naming the CSV file and line of a bad headerless row (dimension, no name, no numbers), and writes nothing', async () => {
    const cases: [string, string][] = [
      ['a.jpg,1,2,3\r\nb.jpg,1,2\r\n', 'line 2: has 2 feature values after the name "b.jpg", the first row has 3'],
      ['a.jpg,1,2,3\r\n,4,5,6\r\n', 'line 2: no name'],
      ['a.jpg,1,2,3\r\nb.jpg,1,2,3\r\nc.jpg,x,y,z\r\n', 'line 3: no feature values'],
    ];
    for (const [i, [text, problem]] of cases.entries()) {
      const bad = path.join(dir, `bad_${i}.csv`);
      writeFileSync(bad, text);
      const out = path.join(dir, `bad-out-${i}`);
      const r = await runTwindbExit('sample', '--target_csv', tCsv, '--near_csv', bad, '--save_dir', out);
      expect(r.code).toBe(3);
      expect(r.err).toContain(`${bad}: ${problem}`);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('refuses bad seed values with exit 2: --dist_thr outside [-1, 1], a K < 1', async () => {
    const base = ['sample', '--target_csv', tCsv, '--near_csv', pCsv, '--save_dir', path.join(dir, 'never')];
    const thr = await runTwindbExit(...base, '--dist_thr', '1.5');
    expect(thr.code).toBe(2);
    expect(thr.err).toContain('--dist_thr must be a number in [-1, 1], got 1.5');
    const k = await runTwindbExit(...base, '--nn_factor', '5', '0');
    expect(k.code).toBe(2);
    expect(k.err).toContain('--nn_factor must be a whole number ≥ 1, got 0');
  });
});
