import { open, type FileHandle } from 'node:fs/promises';
import { AsyncRecordBatchFileReader, Message, RecordBatchReader } from 'apache-arrow';
import { checkEmbedding } from './embedding-check.js';
import { decodeRecordBatch, type FeatureBatch } from './feature-batch.js';
import { FeatureFileError } from './feature-file-error.js';
import type { FeatureMetadata } from './feature-metadata.js';
import { checkFeatureSchema, type FeatureColumnIndex } from './feature-schema.js';
import { IdSet } from './id-set.js';

/*
 * Format choice: twindb writes the Arrow IPC *file* format and reads it through a
 * `fs.promises.FileHandle`. apache-arrow then uses an AsyncRecordBatchFileReader over an
 * AsyncRandomAccessFile: it reads the footer, then exactly one record batch (metadata + body)
 * per `readRecordBatch(i)`, with 64-bit file offsets kept as JS numbers, so a 5 GB pool file
 * streams in memory bounded by one batch. The byte-stream path is avoided on purpose: an IPC
 * file read through a Node stream is buffered whole (apache/arrow#20325) and whole-file buffers
 * over 2 GB have been misread (arrow-js#87). The file format (over the stream format) also gives
 * the row count from the footer without reading any body, random access to batches, and is what
 * pyarrow/polars `read_ipc`/feather readers open by default.
 */

const ARROW_MAGIC = 'ARROW1';

/** What `openFeatureFile` learns from the footer, without reading any record-batch body. */
export interface FeatureFileInfo {
  path: string;
  meta: FeatureMetadata;
  rows: number;
  /** Rows in each record batch, in file order. */
  batchRows: number[];
  byteLength: number;
  /** Whether the file has the annotation columns `labels` and `meta` (see ANNOTATION_COLUMNS). */
  annotations: boolean;
}

export interface ReadFeatureOptions {
  /**
   * Check every row (NaN/Inf, unit norm when the file says normalized, duplicate ids across the
   * file). Default true; turn off only for files this process has just validated.
   */
  validate?: boolean;
  /** Fail early when the file's metadata is not what the caller needs. */
  expect?: Partial<Pick<FeatureMetadata, 'dim' | 'encoder' | 'normalized'>>;
}

/** Reads metadata and row counts (footer + one small header per batch). */
export async function openFeatureFile(path: string): Promise<FeatureFileInfo> {
  const f = await openValidated(path, undefined);
  try {
    const footer = f.reader.footer;
    if (!footer) throw new FeatureFileError(path, 'Arrow IPC file has no footer');
    const batchRows: number[] = [];
    for (let i = 0; i < f.reader.numRecordBatches; i++) {
      const block = footer.getRecordBatch(i);
      if (!block) throw new FeatureFileError(path, `footer lists no record batch ${i}`);
      batchRows.push(await readBatchLength(f.handle, block.offset, block.metaDataLength, path));
    }
    return {
      path,
      meta: f.meta,
      rows: batchRows.reduce((a, b) => a + b, 0),
      batchRows,
      byteLength: f.byteLength,
      annotations: f.columns.labels !== undefined || f.columns.meta !== undefined,
    };
  } finally {
    await f.reader.cancel();
  }
}

/**
 * Yields the file's record batches in order, one at a time, validated (see ReadFeatureOptions).
 * Breaking out of the loop closes the file.
 */
export async function* readFeatureBatches(path: string, opts: ReadFeatureOptions = {}): AsyncGenerator<FeatureBatch> {
  const validate = opts.validate ?? true;
  const f = await openValidated(path, opts.expect);
  const { dim, normalized } = f.meta;
  const seen = validate ? new IdSet() : null;
  let rowOffset = 0;
  try {
    for (let i = 0; i < f.reader.numRecordBatches; i++) {
      const rb = await withFileContext(path, rowOffset, () => f.reader.readRecordBatch(i));
      if (!rb) throw new FeatureFileError(path, `record batch ${i} (from row ${rowOffset}) could not be read`);
      const batch = decodeRecordBatch(rb, f.columns, dim, rowOffset, path);
      if (seen) {
        for (let r = 0; r < batch.ids.length; r++) {
          const id = batch.ids[r];
          if (!seen.add(id)) throw new FeatureFileError(path, 'duplicate id (it appears on an earlier row)', rowOffset + r, id);
          const problem = checkEmbedding(batch.embeddings, r * dim, dim, normalized);
          if (problem) throw new FeatureFileError(path, problem, rowOffset + r, id);
        }
      }
      yield batch;
      rowOffset += batch.ids.length;
    }
  } finally {
    await f.reader.cancel();
  }
}

interface OpenedFile {
  reader: AsyncRecordBatchFileReader;
  handle: FileHandle;
  meta: FeatureMetadata;
  columns: FeatureColumnIndex;
  byteLength: number;
}

async function openValidated(path: string, expect: ReadFeatureOptions['expect']): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new FeatureFileError(path, `cannot open feature file: ${(err as Error).message}`);
  }
  let reader: AsyncRecordBatchFileReader | null = null;
  try {
    const byteLength = (await handle.stat()).size;
    await checkMagic(handle, byteLength, path);
    const r = await withFileContext(path, undefined, () => RecordBatchReader.from(handle));
    if (!(r instanceof AsyncRecordBatchFileReader)) throw new FeatureFileError(path, 'not an Arrow IPC file');
    reader = r;
    await withFileContext(path, undefined, () => r.open());
    const { meta, columns } = checkFeatureSchema(reader.schema, path);
    for (const [key, want] of Object.entries(expect ?? {}) as [keyof FeatureMetadata, unknown][]) {
      if (want !== undefined && meta[key] !== want) {
        throw new FeatureFileError(path, `twindb.${key} is ${JSON.stringify(meta[key])}, expected ${JSON.stringify(want)}`);
      }
    }
    return { reader, handle, meta, columns, byteLength };
  } catch (err) {
    if (reader) await reader.cancel().catch(() => undefined);
    else await handle.close().catch(() => undefined);
    throw err;
  }
}

/** Both ends must carry the magic: a missing trailer means an interrupted or foreign write. */
async function checkMagic(handle: FileHandle, size: number, path: string): Promise<void> {
  const head = Buffer.alloc(8);
  const tail = Buffer.alloc(6);
  if (size >= 8) await handle.read(head, 0, 8, 0);
  if (size >= 6) await handle.read(tail, 0, 6, size - 6);
  const headOk = head.toString('latin1', 0, 6) === ARROW_MAGIC;
  if (headOk && tail.toString('latin1') === ARROW_MAGIC && size >= 20) return;
  if (headOk) throw new FeatureFileError(path, 'truncated Arrow IPC file (no footer magic at the end)');
  if (head.readInt32LE(0) === -1) {
    throw new FeatureFileError(path, 'is an Arrow IPC *stream*; twindb feature files use the Arrow IPC file format');
  }
  throw new FeatureFileError(path, `not an Arrow IPC file (${size} bytes, no "${ARROW_MAGIC}" magic)`);
}

/** The length field of one record batch, read from its metadata message only (no body). */
async function readBatchLength(handle: FileHandle, offset: number, metaLength: number, path: string): Promise<number> {
  const buf = new Uint8Array(metaLength);
  await handle.read(buf, 0, metaLength, offset);
  const view = new DataView(buf.buffer);
  // Current IPC prefixes each message with 0xFFFFFFFF then the length; pre-0.15 files omit the marker.
  const prefix = view.getInt32(0, true) === -1 ? 8 : 4;
  const len = view.getInt32(prefix - 4, true);
  const msg = Message.decode(buf.subarray(prefix, prefix + len));
  if (!msg.isRecordBatch()) throw new FeatureFileError(path, `footer block at byte ${offset} is not a record batch`);
  return msg.header().length;
}

/** Arrow's own errors say nothing about which file; wrap them. */
async function withFileContext<T>(path: string, row: number | undefined, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FeatureFileError) throw err;
    const where = row === undefined ? '' : ` (record batch starting at row ${row})`;
    throw new FeatureFileError(path, `cannot read Arrow IPC data${where}: ${(err as Error).message}`);
  }
}
