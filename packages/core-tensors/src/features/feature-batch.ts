import {
  type Data,
  DataType,
  Float32,
  Int32,
  type List,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
  Utf8,
  type FixedSizeList,
  type LargeUtf8,
} from 'apache-arrow';
import { FeatureFileError } from './feature-file-error.js';
import type { FeatureColumnIndex } from './feature-schema.js';

/** One record batch of a feature file, as plain typed arrays. */
export interface FeatureBatch {
  ids: string[];
  paths: (string | null)[];
  /** Int32Array when the batch has no null label, otherwise one entry per row with nulls. */
  labels: Int32Array | (number | null)[];
  /** Row-major `length × dim` values; row r is `embeddings.subarray(r * dim, (r + 1) * dim)`. */
  embeddings: Float32Array;
  dim: number;
  /** Index of this batch's first row within the whole file. */
  rowOffset: number;
  /**
   * Files with annotation columns only (see ANNOTATION_COLUMNS): per row its object class names
   * (column `labels`, one per instance) and its annotation's scalar fields (column `meta`); null
   * where the image had no annotation.
   */
  objects?: (string[] | null)[];
  meta?: (Record<string, string> | null)[];
}

/** Rows accumulated by the writer, ready to become one record batch. */
export interface FeatureColumns {
  length: number;
  ids: readonly string[];
  paths: readonly (string | null)[];
  labels: Int32Array;
  /** 1 where `labels[i]` is a real label, 0 where it is null. */
  labelValid: Uint8Array;
  embeddings: Float32Array;
  /** Annotation columns, required when the schema has them (one entry per row, null = none). */
  objects?: readonly (readonly string[] | null)[];
  meta?: readonly (Readonly<Record<string, string>> | null)[];
}

/**
 * Builds the record batch with `makeData` from flat typed arrays. The embedding column is one
 * Float32 child wrapped in a FixedSizeList, never built through `vectorFromArray`, whose
 * FixedSizeList support has been buggy (apache/arrow#45453, #45862).
 */
export function encodeRecordBatch(schema: Schema, dim: number, cols: FeatureColumns): RecordBatch {
  const n = cols.length;
  const [idField, pathField, labelField, embField, ...annotationFields] = schema.fields;
  const id = utf8Data(cols.ids, n);
  const path = utf8Data(cols.paths, n);
  const labelBits = validityBitmap(n, (i) => cols.labelValid[i] === 1);
  const label = makeData({
    type: new Int32(),
    length: n,
    nullCount: labelBits.nullCount,
    nullBitmap: labelBits.nullCount > 0 ? labelBits.bitmap : undefined,
    data: cols.labels.subarray(0, n),
  });
  const values = makeData({ type: new Float32(), length: n * dim, nullCount: 0, data: cols.embeddings.subarray(0, n * dim) });
  const embedding = makeData({ type: embField.type as FixedSizeList<Float32>, length: n, nullCount: 0, child: values });
  const children: Data[] = [id, path, label, embedding];
  if (annotationFields.length > 0) {
    const objects = cols.objects ?? [];
    const meta = cols.meta ?? [];
    children.push(listOfUtf8Data(annotationFields[0].type as List<Utf8>, objects, n));
    children.push(utf8Data(Array.from({ length: n }, (_, i) => (meta[i] ? JSON.stringify(meta[i]) : null)), n));
  }
  const struct = makeData({
    type: new Struct([idField, pathField, labelField, embField, ...annotationFields]),
    length: n,
    nullCount: 0,
    children,
  });
  return new RecordBatch(schema, struct);
}

/**
 * Record batch -> plain arrays, without copying the embedding values (the result views the
 * batch's body buffer). Structural problems (null ids, null embeddings, invalid UTF-8) throw a
 * FeatureFileError naming the file and row; value checks are the reader's job.
 */
export function decodeRecordBatch(
  batch: RecordBatch,
  columns: FeatureColumnIndex,
  dim: number,
  rowOffset: number,
  file: string,
): FeatureBatch {
  const n = batch.numRows;
  const col = (i: number) => {
    const v = batch.getChildAt(i);
    if (!v || v.data.length !== 1) throw new FeatureFileError(file, `record batch at row ${rowOffset} is malformed`);
    return v.data[0];
  };
  const idData = col(columns.id) as Data<Utf8 | LargeUtf8>;
  const ids = decodeStrings(idData, n, rowOffset, file, 'id');
  for (let i = 0; i < n; i++) {
    if (ids[i] === null) throw new FeatureFileError(file, 'id is null; every row needs an id', rowOffset + i);
  }
  const paths = decodeStrings(col(columns.path) as Data<Utf8 | LargeUtf8>, n, rowOffset, file, 'path');

  const labelData = col(columns.label) as Data<Int32>;
  const labelValues = labelData.values.subarray(labelData.offset, labelData.offset + n);
  let labels: Int32Array | (number | null)[] = labelValues;
  if (labelData.nullCount > 0) {
    labels = new Array<number | null>(n);
    for (let i = 0; i < n; i++) labels[i] = labelData.getValid(i) ? labelValues[i] : null;
  }

  const embData = col(columns.embedding) as Data<FixedSizeList<Float32>>;
  if (embData.nullCount > 0) {
    for (let i = 0; i < n; i++) {
      if (!embData.getValid(i)) {
        throw new FeatureFileError(file, 'embedding is null; every row needs an embedding', rowOffset + i, ids[i] as string);
      }
    }
  }
  const child = embData.children[0] as Data<Float32>;
  const start = child.offset + embData.offset * dim;
  if (child.nullCount > 0) {
    for (let k = 0; k < n * dim; k++) {
      if (!child.getValid(start - child.offset + k)) {
        const r = Math.floor(k / dim);
        throw new FeatureFileError(file, `embedding[${k % dim}] is null`, rowOffset + r, ids[r] as string);
      }
    }
  }
  const embeddings = child.values.subarray(start, start + n * dim);
  const batchOut: FeatureBatch = { ids: ids as string[], paths, labels, embeddings, dim, rowOffset };
  if (columns.labels !== undefined) batchOut.objects = decodeStringLists(col(columns.labels) as Data<List<Utf8 | LargeUtf8>>, n, rowOffset, file);
  if (columns.meta !== undefined) batchOut.meta = decodeMetaColumn(col(columns.meta) as Data<Utf8 | LargeUtf8>, n, rowOffset, file);
  return batchOut;
}

/** Column `labels`: one string list per row (null = no annotation); a null name inside a list is an error. */
function decodeStringLists(data: Data<List<Utf8 | LargeUtf8>>, n: number, rowOffset: number, file: string): (string[] | null)[] {
  const out = new Array<string[] | null>(n);
  const offsets = data.valueOffsets;
  const child = data.children[0] as Data<Utf8 | LargeUtf8>;
  const from = Number(offsets[data.offset]);
  const to = Number(offsets[data.offset + n]);
  const names = decodeStrings(child, to - from, rowOffset, file, 'labels', from);
  for (let i = 0; i < n; i++) {
    if (data.nullCount > 0 && !data.getValid(i)) {
      out[i] = null;
      continue;
    }
    const a = Number(offsets[data.offset + i]) - from;
    const b = Number(offsets[data.offset + i + 1]) - from;
    const row = names.slice(a, b);
    if (row.some((v) => v === null)) throw new FeatureFileError(file, 'column "labels" holds a null class name', rowOffset + i);
    out[i] = row as string[];
  }
  return out;
}

/** Column `meta`: a JSON object of scalar fields per row (null = no annotation). */
function decodeMetaColumn(data: Data<Utf8 | LargeUtf8>, n: number, rowOffset: number, file: string): (Record<string, string> | null)[] {
  return decodeStrings(data, n, rowOffset, file, 'meta').map((text, i) => {
    if (text === null) return null;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new FeatureFileError(file, `column "meta" is not valid JSON: ${JSON.stringify(text.slice(0, 80))}`, rowOffset + i);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new FeatureFileError(file, 'column "meta" must hold a JSON object of field → value', rowOffset + i);
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'string') out[k] = x;
      else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
      else if (x !== null) throw new FeatureFileError(file, `column "meta": field ${JSON.stringify(k)} is not a scalar value`, rowOffset + i);
    }
    return out;
  });
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function decodeStrings(
  data: Data<Utf8 | LargeUtf8>,
  n: number,
  rowOffset: number,
  file: string,
  column: string,
  first = 0,
): (string | null)[] {
  const out = new Array<string | null>(n);
  const offsets = data.valueOffsets;
  const bytes = data.values;
  const large = DataType.isLargeUtf8(data.type);
  const hasNulls = data.nullCount > 0;
  for (let i = 0; i < n; i++) {
    if (hasNulls && !data.getValid(first + i)) {
      out[i] = null;
      continue;
    }
    const j = data.offset + first + i;
    const a = large ? Number(offsets[j]) : (offsets[j] as number);
    const b = large ? Number(offsets[j + 1]) : (offsets[j + 1] as number);
    try {
      out[i] = utf8Decoder.decode(bytes.subarray(a, b));
    } catch {
      throw new FeatureFileError(file, `column "${column}" is not valid UTF-8`, rowOffset + i);
    }
  }
  return out;
}

function utf8Data(values: readonly (string | null)[], n: number): Data<Utf8> {
  const offsets = new Int32Array(n + 1);
  let cap = 16;
  for (let i = 0; i < n; i++) cap += values[i]?.length ?? 0;
  let bytes = new Uint8Array(cap);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s) {
      // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
      if (pos + s.length * 3 > bytes.length) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, pos + s.length * 3));
        grown.set(bytes.subarray(0, pos));
        bytes = grown;
      }
      pos += utf8Encoder.encodeInto(s, bytes.subarray(pos)).written;
    }
    if (pos > 0x7fffffff) throw new RangeError('string column of one record batch exceeds 2 GiB; use smaller batches');
    offsets[i + 1] = pos;
  }
  const valid = validityBitmap(n, (i) => values[i] !== null && values[i] !== undefined);
  return makeData({
    type: new Utf8(),
    length: n,
    nullCount: valid.nullCount,
    nullBitmap: valid.nullCount > 0 ? valid.bitmap : undefined,
    valueOffsets: offsets,
    data: bytes.subarray(0, pos),
  });
}

/** A List<Utf8> column: one list per row, null where `lists[i]` is null or missing. */
function listOfUtf8Data(type: List<Utf8>, lists: readonly (readonly string[] | null)[], n: number): Data<List<Utf8>> {
  const offsets = new Int32Array(n + 1);
  const flat: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = lists[i];
    if (l) for (const s of l) flat.push(s);
    offsets[i + 1] = flat.length;
  }
  const valid = validityBitmap(n, (i) => lists[i] !== null && lists[i] !== undefined);
  return makeData({
    type,
    length: n,
    nullCount: valid.nullCount,
    nullBitmap: valid.nullCount > 0 ? valid.bitmap : undefined,
    valueOffsets: offsets,
    child: utf8Data(flat, flat.length),
  });
}

function validityBitmap(n: number, isValid: (i: number) => boolean): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(i)) bitmap[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  }
  return { bitmap, nullCount };
}
