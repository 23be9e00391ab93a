import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Data, DataType, Field, FixedSizeList, Float32, Int32, List, makeData, RecordBatch, Schema, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFeatureMetadata } from './feature-metadata.js';
import { openFeatureFile, readFeatureBatches } from './feature-reader.js';
import { FeatureWriter } from './feature-writer.js';
import { loadFeatures } from './load-features.js';

const dir = mkdtempSync(join(tmpdir(), 'twindb-features-annotations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fileName = () => join(dir, `f${n++}.arrow`);
const META = { encoder: 'e', dim: 2, normalized: false, db: 'voc:/d' };

/** Rows of an annotated DB: objects (one per instance, possibly none), metadata, and rows without any. */
const ROWS: { id: string; objects: string[] | null; meta: Record<string, string> | null }[] = [
  { id: 'a', objects: ['car', 'person', 'car'], meta: { weather: 'rain', time_zone: 'night' } },
  { id: 'b', objects: [], meta: { weather: 'clear' } },
  { id: 'c', objects: null, meta: null },
  { id: 'd', objects: ['자전거 "bike"'], meta: { road: 'city, old town', note: '{not json}' } },
  { id: 'e', objects: null, meta: null },
];

describe('feature files with annotation columns (labels, meta)', () => {
  it('writes and reads back each row\'s object classes and metadata, across batches, row- and column-wise', async () => {
    const path = fileName();
    const w = await FeatureWriter.create(path, META, { batchRows: 2, annotations: true });
    await w.append(ROWS.slice(0, 3).map((r, i) => ({ ...r, embedding: [i, 1] })));
    await w.appendBatch({
      ids: ROWS.slice(3).map((r) => r.id),
      objects: ROWS.slice(3).map((r) => r.objects),
      meta: ROWS.slice(3).map((r) => r.meta),
      embeddings: Float32Array.from([3, 1, 4, 1]),
    });
    await w.close();

    const info = await openFeatureFile(path);
    expect(info.annotations).toBe(true);
    const loaded = await loadFeatures(path);
    expect(loaded.objects).toEqual(ROWS.map((r) => r.objects));
    expect(loaded.rowMeta).toEqual(ROWS.map((r) => r.meta));
    const batches = [];
    for await (const b of readFeatureBatches(path)) batches.push(b);
    expect(batches.map((b) => b.ids.length)).toEqual([2, 2, 1]);
    expect(batches[1].objects).toEqual([null, ['자전거 "bike"']]);
    expect(batches[1].meta).toEqual([null, { road: 'city, old town', note: '{not json}' }]);
  });

  it('stores labels as List<Utf8> and meta as a JSON utf8 column, both nullable, after the four base columns', async () => {
    const path = fileName();
    const w = await FeatureWriter.create(path, META, { annotations: true });
    await w.append([{ id: 'a', embedding: [1, 0], objects: ['car'], meta: { weather: 'rain' } }, { id: 'b', embedding: [0, 1] }]);
    await w.close();
    const { tableFromIPC } = await import('apache-arrow');
    const { readFileSync } = await import('node:fs');
    const t = tableFromIPC(readFileSync(path));
    expect(t.schema.fields.map((f) => [f.name, f.nullable])).toEqual([
      ['id', false],
      ['path', true],
      ['label', true],
      ['embedding', false],
      ['labels', true],
      ['meta', true],
    ]);
    expect(DataType.isList(t.schema.fields[4].type)).toBe(true);
    expect(t.getChild('meta')?.toArray()).toEqual(['{"weather":"rain"}', null]);
    expect(t.getChild('labels')?.get(0)?.toArray()).toEqual(['car']);
    expect(t.getChild('labels')?.get(1)).toBeNull();
  });

  it('files without the columns (all earlier files) read as before: no objects, no rowMeta', async () => {
    const path = fileName();
    const w = await FeatureWriter.create(path, META);
    await w.append([{ id: 'a', embedding: [1, 0] }]);
    await w.close();
    expect((await openFeatureFile(path)).annotations).toBe(false);
    const loaded = await loadFeatures(path);
    expect(loaded).not.toHaveProperty('objects');
    expect(loaded).not.toHaveProperty('rowMeta');
    for await (const b of readFeatureBatches(path)) expect(b.objects).toBeUndefined();
  });

  it('refuses annotations for a writer without the columns, and malformed ones, naming row and id', async () => {
    const plain = await FeatureWriter.create(fileName(), META);
    await expect(plain.append([{ id: 'a', embedding: [1, 0], objects: ['car'] }])).rejects.toThrow(/row 0 \(id "a"\): the row has object labels or metadata but the file has no annotation columns/);
    const w = await FeatureWriter.create(fileName(), META, { annotations: true });
    await expect(w.append([{ id: 'a', embedding: [1, 0], objects: [''] }])).rejects.toThrow(/row 0 \(id "a"\): objects holds ""; expected non-empty class names/);
    const w2 = await FeatureWriter.create(fileName(), META, { annotations: true });
    await expect(w2.append([{ id: 'b', embedding: [1, 0], meta: { n: 3 as unknown as string } }])).rejects.toThrow(/meta field "n" is number; expected a string/);
  });

  it('rejects foreign files whose annotation columns have the wrong type or hold bad JSON', async () => {
    const base = (): Record<string, Data> => {
      const values = makeData({ type: new Float32(), length: 2, data: Float32Array.from([1, 0]) });
      return {
        id: vectorFromArray(['a'], new Utf8()).data[0],
        path: vectorFromArray([null], new Utf8()).data[0],
        label: makeData({ type: new Int32(), length: 1, data: Int32Array.from([0]) }),
        embedding: makeData({ type: new FixedSizeList(2, new Field('item', new Float32(), false)), length: 1, child: values }),
      };
    };
    const write = (columns: Record<string, Data>) => {
      const rb = new RecordBatch(columns);
      const path = fileName();
      const metadata = encodeFeatureMetadata({ format: '1', ...META });
      writeFileSync(path, tableToIPC(new Table([new RecordBatch(new Schema(rb.schema.fields, metadata), rb.data)]), 'file'));
      return path;
    };
    const wrongType = write({ ...base(), labels: makeData({ type: new Int32(), length: 1, data: Int32Array.from([7]) }) });
    await expect(openFeatureFile(wrongType)).rejects.toThrow(`${wrongType}: column "labels" has type Int32, expected List<utf8> (object class names)`);
    const badJson = write({ ...base(), meta: vectorFromArray(['{weather: rain'], new Utf8()).data[0] });
    await expect(loadFeatures(badJson)).rejects.toThrow(`${badJson}: row 0: column "meta" is not valid JSON: "{weather: rain"`);
    const notObject = write({ ...base(), meta: vectorFromArray(['[1,2]'], new Utf8()).data[0] });
    await expect(loadFeatures(notObject)).rejects.toThrow(/row 0: column "meta" must hold a JSON object/);
    // pyarrow-style list of strings written by another tool reads.
    const list = vectorFromArray([['bus', 'car']], new List(new Field('item', new Utf8(), true))).data[0];
    const foreign = write({ ...base(), labels: list });
    expect((await loadFeatures(foreign)).objects).toEqual([['bus', 'car']]);
  });
});
