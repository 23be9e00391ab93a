import { mkdtempSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Data,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  List,
  makeData,
  RecordBatch,
  Schema,
  Table,
  tableToIPC,
  vectorFromArray,
  Utf8,
  Int32,
} from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRecordBatch } from './feature-batch.js';
import { encodeFeatureMetadata } from './feature-metadata.js';
import { openFeatureFile, readFeatureBatches, type ReadFeatureOptions } from './feature-reader.js';
import { featureSchema } from './feature-schema.js';
import { FeatureWriter } from './feature-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'twindb-features-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const META = { format: '1', encoder: 'e', dim: 3, normalized: false, db: 'db' } as const;
let n = 0;
const fileName = () => join(dir, `f${n++}.arrow`);

/** Rows as the writer would encode them, but without its validation, so bad values get through. */
function rawBatch(ids: (string | null)[], values: number[], meta: { dim: number } = META): RecordBatch {
  const schema = featureSchema({ ...META, ...meta });
  const len = ids.length;
  return encodeRecordBatch(schema, meta.dim, {
    length: len,
    ids: ids as string[],
    paths: ids.map(() => null),
    labels: new Int32Array(len),
    labelValid: new Uint8Array(len),
    embeddings: Float32Array.from(values),
  });
}

function writeBatches(batches: RecordBatch[], format: 'file' | 'stream' = 'file'): string {
  const path = fileName();
  writeFileSync(path, tableToIPC(new Table(batches), format));
  return path;
}

/** A batch with hand-picked columns and metadata, for schema errors. */
function customFile(columns: Record<string, Data>, metadata: Map<string, string>): string {
  const rb = new RecordBatch(columns);
  return writeBatches([new RecordBatch(new Schema(rb.schema.fields, metadata), rb.data)]);
}

const utf8 = (xs: (string | null)[]) => vectorFromArray(xs, new Utf8()).data[0];
const int32 = (xs: number[]) => makeData({ type: new Int32(), length: xs.length, data: Int32Array.from(xs) });
const fsl = (dim: number, values: Float32Array | Float64Array) => {
  const child =
    values instanceof Float32Array
      ? makeData({ type: new Float32(), length: values.length, data: values })
      : makeData({ type: new Float64(), length: values.length, data: values });
  const type = new FixedSizeList(dim, new Field('item', child.type, false));
  return makeData({ type, length: values.length / dim, child });
};

async function readAll(path: string, opts?: ReadFeatureOptions) {
  const ids: string[] = [];
  for await (const b of readFeatureBatches(path, opts)) ids.push(...b.ids);
  return ids;
}

describe('reading rejects a wrong schema, naming the file and the problem', () => {
  const good = () => ({ id: utf8(['a', 'b']), path: utf8(['p', null]), label: int32([1, 2]), embedding: fsl(3, new Float32Array(6)) });

  it('accepts the hand-built reference file (the cases below differ from it in one thing)', async () => {
    const path = customFile(good(), encodeFeatureMetadata(META));
    expect(await readAll(path)).toEqual(['a', 'b']);
  });

  it('missing column', async () => {
    const { label: _drop, ...cols } = good();
    const path = customFile(cols, encodeFeatureMetadata(META));
    const msg = `${path}: missing column "label" (int32); columns present: id, path, embedding`;
    await expect(readAll(path)).rejects.toThrow(msg);
    await expect(openFeatureFile(path)).rejects.toThrow(msg);
  });

  it('label column of the wrong type', async () => {
    const label = makeData({ type: new Float64(), length: 2, data: Float64Array.of(1, 2) });
    const path = customFile({ ...good(), label }, encodeFeatureMetadata(META));
    await expect(readAll(path)).rejects.toThrow(`${path}: column "label" has type Float64, expected int32`);
  });

  it('embedding that is a variable-size list', async () => {
    const child = makeData({ type: new Float32(), length: 6, data: new Float32Array(6) });
    const embedding = makeData({ type: new List(new Field('item', new Float32())), length: 2, valueOffsets: Int32Array.of(0, 3, 6), child });
    const path = customFile({ ...good(), embedding }, encodeFeatureMetadata(META));
    await expect(readAll(path)).rejects.toThrow(
      new RegExp(`^${path}: column "embedding" has type List<Float32>, expected FixedSizeList<Float32>\\[3\\]$`),
    );
  });

  it('embedding of float64', async () => {
    const path = customFile({ ...good(), embedding: fsl(3, new Float64Array(6)) }, encodeFeatureMetadata(META));
    await expect(readAll(path)).rejects.toThrow(/column "embedding" has type FixedSizeList\[3\]<Float64>, expected FixedSizeList<Float32>\[3\]/);
  });

  it('dimension mismatch between the column and twindb.dim', async () => {
    const path = customFile(good(), encodeFeatureMetadata({ ...META, dim: 4 }));
    await expect(readAll(path)).rejects.toThrow(
      `${path}: dimension mismatch: column "embedding" holds 3 values per row but metadata twindb.dim is 4`,
    );
  });

  it('missing or malformed twindb metadata', async () => {
    const meta = encodeFeatureMetadata(META);
    meta.delete('twindb.encoder');
    meta.set('twindb.dim', 'three');
    const path = customFile(good(), meta);
    await expect(readAll(path)).rejects.toThrow(
      `${path}: not a twindb feature file: metadata "twindb.encoder": Invalid input: expected string, received undefined (missing); ` +
        `metadata "twindb.dim": expected a positive integer (got "three")`,
    );
  });

  it('an unknown format version', async () => {
    const meta = encodeFeatureMetadata(META);
    meta.set('twindb.format', '2');
    const path = customFile(good(), meta);
    await expect(readAll(path)).rejects.toThrow(/metadata "twindb.format": Invalid input: expected "1" \(got "2"\)/);
  });

  it('metadata that is not what the caller expects', async () => {
    const path = customFile(good(), encodeFeatureMetadata(META));
    await expect(readAll(path, { expect: { dim: 5 } })).rejects.toThrow(`${path}: twindb.dim is 3, expected 5`);
    await expect(readAll(path, { expect: { encoder: 'other' } })).rejects.toThrow('twindb.encoder is "e", expected "other"');
  });
});

describe('reading rejects bad rows, naming the file, row and id', () => {
  it('duplicate id across batches', async () => {
    const path = writeBatches([rawBatch(['a', 'b', 'c'], Array(9).fill(0)), rawBatch(['d', 'b'], Array(6).fill(0))]);
    await expect(readAll(path)).rejects.toThrow(`${path}: row 4 (id "b"): duplicate id (it appears on an earlier row)`);
  });

  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('%s in an embedding, after earlier batches were delivered', async (bad, text) => {
    const values = Array(6).fill(0.5);
    values[5] = bad;
    const path = writeBatches([rawBatch(['a', 'b'], Array(6).fill(0)), rawBatch(['c', 'd'], values)]);
    const seen: string[] = [];
    const run = async () => {
      for await (const b of readFeatureBatches(path)) seen.push(...b.ids);
    };
    await expect(run()).rejects.toThrow(`${path}: row 3 (id "d"): embedding[2] is ${text}; embeddings must be finite`);
    expect(seen).toEqual(['a', 'b']);
    // With validation off the same file streams (for callers that validated it already).
    expect(await readAll(path, { validate: false })).toEqual(['a', 'b', 'c', 'd']);
  });

  it('null id', async () => {
    const path = writeBatches([rawBatch(['a', null], Array(6).fill(0))]);
    await expect(readAll(path)).rejects.toThrow(`${path}: row 1: id is null; every row needs an id`);
  });

  it('a non-unit row in a file declared normalized', async () => {
    const meta = encodeFeatureMetadata({ ...META, normalized: true });
    const rb = rawBatch(['a', 'b'], [1, 0, 0, 0, 2, 0]);
    const path = writeBatches([new RecordBatch(new Schema(rb.schema.fields, meta), rb.data)]);
    await expect(readAll(path)).rejects.toThrow(`${path}: row 1 (id "b"): embedding has L2 norm 2, but the file declares twindb.normalized=true`);
  });
});

describe('reading rejects files that are not complete Arrow IPC files', () => {
  it('a truncated file (interrupted copy)', async () => {
    const path = fileName();
    const w = await FeatureWriter.create(path, META);
    await w.appendBatch({ ids: ['a', 'b'], embeddings: new Float32Array(6) });
    await w.close();
    truncateSync(path, statSync(path).size - 40);
    await expect(openFeatureFile(path)).rejects.toThrow(`${path}: truncated Arrow IPC file (no footer magic at the end)`);
  });

  it('an Arrow IPC stream', async () => {
    const path = writeBatches([rawBatch(['a'], [0, 0, 0])], 'stream');
    await expect(readAll(path)).rejects.toThrow(`${path}: is an Arrow IPC *stream*; twindb feature files use the Arrow IPC file format`);
  });

  it('a file that is not Arrow at all, and a missing file', async () => {
    const path = fileName();
    writeFileSync(path, 'path,f0\na,1\n');
    await expect(readAll(path)).rejects.toThrow(`${path}: not an Arrow IPC file (12 bytes, no "ARROW1" magic)`);
    await expect(openFeatureFile(join(dir, 'nope.arrow'))).rejects.toThrow(/nope\.arrow: cannot open feature file: ENOENT/);
  });
});
