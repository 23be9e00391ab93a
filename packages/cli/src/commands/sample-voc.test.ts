import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFeatures, Rng } from '@twindb/core-tensors';
import { createImageU8, writeImageFile } from '@twindb/core-tensors/data';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleReportSchema } from '@twindb/nn-sampler';
import { runTwindbExit } from '../../test/run-twindb.js';

/*
 * Issue 12, VOC part: a VOC-layout DB (JPEGImages/, Annotations/*.xml with objects and the
 * driving datasets' scalar fields, ImageSets/Main/*.txt) goes through `extract` → `sample`, and the
 * report shows, per metadata field and for object classes, the target / selected / random / pool
 * histograms with their TV distances, checked against counts made here from the fixture itself.
 */

const N = 48;
const WEATHER = ['clear', 'rain', 'snow'] as const;
const COLOUR: Record<(typeof WEATHER)[number], [number, number, number]> = { clear: [230, 200, 60], rain: [60, 80, 200], snow: [235, 235, 240] };
const name = (i: number) => `2023_0${i % 2 ? 'a' : 'b'}_${String(i).padStart(4, '0')}`;

/** What image i's annotation says; null for the two pool images whose annotation is broken (2) or missing (5). */
function fixture(i: number): { objects: string[]; meta: Record<string, string> } | null {
  if (i === 2 || i === 5) return null;
  const objects = [...Array.from({ length: i % 3 }, () => 'car'), ...(i % 5 === 0 ? ['person'] : []), ...(i % 7 === 0 ? ['bus'] : [])];
  return { objects, meta: { road: Math.floor(i / 3) % 2 ? 'highway' : 'city', time_zone: i % 4 === 0 ? 'night' : 'day', weather: WEATHER[i % 3] } };
}
// The target: the first 12 rainy images; the pool: the 36 others.
const targetIdx = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 1).slice(0, 12);
const poolIdx = Array.from({ length: N }, (_, i) => i).filter((i) => !targetIdx.includes(i));

let dir: string;
let root: string;
let encoder: string;

function xml(i: number): string {
  const a = fixture(i)!;
  return [
    '<?xml version="1.0"?>',
    '<annotation>',
    '  <folder>JPEGImages</folder>',
    `  <filename>${name(i)}.jpg</filename>`,
    '  <size><width>8</width><height>8</height><depth>3</depth></size>',
    ...Object.entries(a.meta).map(([k, v]) => `  <${k}>${v}</${k}>`),
    ...a.objects.map((o) => `  <object>\n    <name>${o}</name>\n    <difficult>0</difficult>\n    <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>4</ymax></bndbox>\n  </object>`),
    '</annotation>',
    '',
  ].join('\n');
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cli-sample-voc-'));
  root = path.join(dir, 'svkpi');
  for (const sub of ['JPEGImages', 'Annotations', 'ImageSets/Main']) mkdirSync(path.join(root, sub), { recursive: true });
  const rng = new Rng(12);
  for (let i = 0; i < N; i++) {
    // Colour by weather, darker at night, plus pixel noise: the encoder sees what the metadata says.
    const base = COLOUR[WEATHER[i % 3]].map((c) => (i % 4 === 0 ? c * 0.3 : c));
    const img = createImageU8(8, 8, 3);
    for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) img.data[p * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + 25 * rng.normal())));
    await writeImageFile(img, path.join(root, 'JPEGImages', `${name(i)}.${i % 4 === 1 ? 'png' : 'jpg'}`));
    if (i === 2) writeFileSync(path.join(root, 'Annotations', `${name(i)}.xml`), '<annotation>\n  <weather>clear</weather>\n  <object><name>car</name>\n</annotation>\n');
    else if (i !== 5) writeFileSync(path.join(root, 'Annotations', `${name(i)}.xml`), xml(i));
  }
  writeFileSync(path.join(root, 'ImageSets/Main/target.txt'), targetIdx.map(name).join('\n') + '\n');
  writeFileSync(path.join(root, 'ImageSets/Main/pool.txt'), poolIdx.map(name).join('\n') + '\n');
  writeFileSync(path.join(root, 'ImageSets/Main/broken.txt'), `${name(0)}\n${name(1)}\nmissing_0099\n`);

  // A linear encoder (random projection of the normalised pixels), with the metadata extract reads.
  const g = new OnnxGraphBuilder('linear-voc');
  const w = new Rng('voc-encoder');
  g.input('pixels', ['batch', 8, 8, 3]);
  const flat = g.node('Flatten', ['pixels'], { axis: 1 });
  g.node('MatMul', [flat, g.initializer('w', Float32Array.from({ length: 192 * 16 }, () => w.normal() / 10), [192, 16])], {}, 'features');
  g.output('features', ['batch', 16]);
  encoder = path.join(dir, 'encoder.onnx');
  writeFileSync(
    encoder,
    g.toBytes({ 'twindb.layout': 'NHWC', 'twindb.input_shape': '[8,8,3]', 'twindb.normalize_mean': '[0.5,0.5,0.5]', 'twindb.normalize_std': '[0.25,0.25,0.25]', 'twindb.encoder': 'linear-voc' }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Counts = { target: number[]; selected: number[]; randomSample: number[]; pool: number[] };

/** ½ Σ |a/Σa − b/Σb|. */
const tv = (a: number[], b: number[]) => {
  const sa = a.reduce((x, y) => x + y, 0);
  const sb = b.reduce((x, y) => x + y, 0);
  return a.reduce((d, v, i) => d + Math.abs(v / sa - b[i] / sb), 0) / 2;
};

/** The fixture's histograms of a set of images: per field (values as the report orders them) and per class. */
function histograms(indices: number[], values: Record<string, string[]>, classes: string[]) {
  const anns = indices.map(fixture).filter((a) => a !== null);
  const fields: Record<string, number[]> = {};
  for (const [f, vs] of Object.entries(values)) fields[f] = vs.map((v) => anns.filter((a) => (a.meta[f] ?? '(none)') === v).length);
  return {
    annotated: anns.length,
    fields,
    images: classes.map((c) => anns.filter((a) => a.objects.includes(c)).length),
    instances: classes.map((c) => anns.reduce((s, a) => s + a.objects.filter((o) => o === c).length, 0)),
  };
}

describe('twindb extract → sample on a VOC-layout DB', () => {
  it('carries object classes and metadata into the Arrow files and reports their match, in report.json and the summary', async () => {
    const target = path.join(dir, 'feats', 'target.arrow');
    const pool = path.join(dir, 'feats', 'pool.arrow');
    const t = await runTwindbExit('extract', '--encoder', encoder, '--db', `voc:${root}?set=ImageSets/Main/target.txt`, '--out', target, '--json');
    expect(t.code, t.err).toBe(0);
    const p = await runTwindbExit('extract', '--encoder', encoder, '--db', `voc:${root}?set=ImageSets/Main/pool.txt`, '--out', pool, '--json');
    expect(p.code, p.err).toBe(0);

    // The annotation that does not parse: a warning naming the file and line, listed in the summary, never fatal.
    const broken = path.join(root, 'Annotations', `${name(2)}.xml`);
    expect(p.err).toContain(`skipped the annotation ${broken} line 4`);
    expect(JSON.parse(p.out)).toMatchObject({ rows: 36, rejected: 0, badAnnotations: [{ file: broken, line: 4, reason: expect.stringContaining('</annotation> does not match <object>') }] });
    expect(p.err).toMatch(/1 of 36 images have no .*Annotations/);

    // Extract wrote the labels and meta columns: per row the fixture's objects and fields (null without annotation).
    const pf = await loadFeatures(pool);
    expect(pf.ids).toEqual(poolIdx.map(name));
    expect(pf.objects).toEqual(poolIdx.map((i) => fixture(i)?.objects ?? null));
    expect(pf.rowMeta).toEqual(poolIdx.map((i) => fixture(i)?.meta ?? null));
    expect(pf.paths[3]).toBe(path.join(root, 'JPEGImages', `${name(poolIdx[3])}.${poolIdx[3] % 4 === 1 ? 'png' : 'jpg'}`));

    const out = path.join(dir, 'newdb');
    const s = await runTwindbExit('sample', '--target', target, '--pool', pool, '--out', out, '--mode', 'union', '-k', '3', '--json');
    expect(s.code, s.err).toBe(0);
    const report = JSON.parse(s.out);
    // report.json, annotations included, is what its schema (report.schema.json) says
    const parsed = SampleReportSchema.safeParse(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')));
    expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3))).toBe(true);
    const a = report.match.annotations;
    const selectedIds: string[] = readFileSync(path.join(out, 'selected.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    const selectedIdx = selectedIds.map((id) => Array.from({ length: N }, (_, i) => i).find((i) => name(i) === id)!);
    expect(a.sets).toMatchObject({
      target: { size: 12, annotated: 12 },
      selected: { size: selectedIds.length, annotated: selectedIdx.filter((i) => fixture(i)).length },
      pool: { size: 36, annotated: 34 },
    });

    // Metadata: every field's histograms are the fixture's counts, and the TVs follow from them.
    expect(a.fields.map((f: { field: string }) => f.field)).toEqual(['road', 'time_zone', 'weather']);
    const values = Object.fromEntries(a.fields.map((f: { field: string; values: string[] }) => [f.field, f.values]));
    expect(values).toEqual({ road: ['city', 'highway'], time_zone: ['day', 'night'], weather: ['clear', 'rain', 'snow'] });
    const objects = a.objects;
    expect(objects.classes).toEqual(['bus', 'car', 'person']);
    const want = { target: histograms(targetIdx, values, objects.classes), selected: histograms(selectedIdx, values, objects.classes), pool: histograms(poolIdx, values, objects.classes) };
    for (const f of a.fields as { field: string; counts: Counts; tv: Record<string, number> }[]) {
      for (const k of ['target', 'selected', 'pool'] as const) expect(f.counts[k], `${f.field} ${k}`).toEqual(want[k].fields[f.field]);
      expect(f.counts.randomSample.reduce((x, y) => x + y, 0)).toBe(a.sets.randomSample.annotated);
      for (const k of ['selected', 'randomSample', 'pool'] as const) expect(f.tv[k]).toBeCloseTo(tv(f.counts[k], f.counts.target), 6);
    }
    // The target is all rain; the selection, drawn from the target's neighbours, is nearer to it than a random sample.
    const weather = a.fields[2];
    expect(weather.tv.selected).toBeLessThan(weather.tv.randomSample);

    // Object classes: images containing each class and object instances, as counts and shares, each with TV.
    for (const k of ['target', 'selected', 'pool'] as const) {
      expect(objects.images[k]).toEqual(want[k].images);
      expect(objects.instances[k]).toEqual(want[k].instances);
      objects.imageShare[k].forEach((v: number, c: number) => expect(v).toBeCloseTo(want[k].images[c] / want[k].annotated, 6));
    }
    for (const k of ['selected', 'pool'] as const) {
      expect(objects.tv.images[k]).toBeCloseTo(tv(want[k].images, want.target.images), 6);
      expect(objects.tv.instances[k]).toBeCloseTo(tv(want[k].instances, want.target.instances), 6);
    }

    // selected.arrow keeps the pool's annotations.
    const sel = await loadFeatures(path.join(out, 'selected.arrow'));
    expect(sel.objects).toEqual(sel.ids.map((id) => fixture(selectedIdx[selectedIds.indexOf(id)])?.objects ?? null));

    // The printed summary shows the same histograms and TVs.
    const text = await runTwindbExit('sample', '--target', target, '--pool', pool, '--out', path.join(dir, 'newdb-text'), '--mode', 'union', '-k', '3');
    expect(text.code, text.err).toBe(0);
    const lines = text.out.split('\n');
    expect(text.out).toContain(`annotations: annotated images — target 12/12, selected ${a.sets.selected.annotated}/${a.sets.selected.size}, random sample ${a.sets.randomSample.annotated}/${a.sets.randomSample.size}, pool 34/36`);
    const f3 = (x: number) => x.toFixed(3);
    expect(text.out).toContain(`metadata "weather" (TV to target: selected ${f3(weather.tv.selected)}, random ${f3(weather.tv.randomSample)}, pool ${f3(weather.tv.pool)}):`);
    const at = lines.findIndex((l) => l.startsWith('metadata "weather"'));
    expect(lines[at + 1].split(/\s+/).filter(Boolean)).toEqual(['value', 'clear', 'rain', 'snow']);
    expect(lines[at + 2].split(/\s+/).filter(Boolean)).toEqual(['target', '0.0%', '100.0%', '0.0%']);
    const pct = (v: number, d: number) => `${((100 * v) / d).toFixed(1)}%`;
    expect(lines[at + 5]).toBe(`  ${'pool'.padEnd(18)}${want.pool.fields.weather.map((v) => pct(v, 34).padStart(7)).join('')}`);
    expect(text.out).toContain(`object classes, share of images containing each (TV to target: selected ${f3(objects.tv.images.selected)}, random `);
    expect(text.out).toContain(`object classes, share of object instances (TV to target: selected ${f3(objects.tv.instances.selected)}, random `);
  });

  it('an image-set list naming a missing image is an input error (exit 3) naming the list file and line', async () => {
    const r = await runTwindbExit('extract', '--encoder', encoder, '--db', `voc:${root}?set=ImageSets/Main/broken.txt`, '--out', path.join(dir, 'broken.arrow'));
    expect(r.code).toBe(3);
    expect(r.err).toContain(`${path.join(root, 'ImageSets/Main/broken.txt')} line 3: no image for "missing_0099"`);
  });
});
