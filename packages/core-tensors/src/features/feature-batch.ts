import {
  type Data,
  DataType,
  Float32,
  Int32,
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
}

/**
 * Builds the record batch with `makeData` from flat typed arrays. The embedding column is one
 * Float32 child wrapped in a FixedSizeList, never built through `vectorFromArray`, whose
 * FixedSizeList support has been buggy (apache/arrow#45453, #45862).
 */
export function encodeRecordBatch(schema: Schema, dim: number, cols: FeatureColumns): RecordBatch {
  const n = cols.length;
  const [idField, pathField, labelField, embField] = schema.fields;
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
  const struct = makeData({
    type: new Struct([idField, pathField, labelField, embField]),
    length: n,
    nullCount: 0,
    children: [id, path, label, embedding],
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
  return { ids: ids as string[], paths, labels, embeddings, dim, rowOffset };
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function decodeStrings(
  data: Data<Utf8 | LargeUtf8>,
  n: number,
  rowOffset: number,
  file: string,
  column: string,
): (string | null)[] {
  const out = new Array<string | null>(n);
  const offsets = data.valueOffsets;
  const bytes = data.values;
  const large = DataType.isLargeUtf8(data.type);
  const hasNulls = data.nullCount > 0;
  for (let i = 0; i < n; i++) {
    if (hasNulls && !data.getValid(i)) {
      out[i] = null;
      continue;
    }
    const a = large ? Number(offsets[data.offset + i]) : (offsets[data.offset + i] as number);
    const b = large ? Number(offsets[data.offset + i + 1]) : (offsets[data.offset + i + 1] as number);
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

function validityBitmap(n: number, isValid: (i: number) => boolean): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(i)) bitmap[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  }
  return { bitmap, nullCount };
}
