import { RecordBatchFileWriter, type Schema } from 'apache-arrow';
import { ChunkSink } from './chunk-sink.js';
import { StreamingAtomicFile } from './streaming-atomic-file.js';
import { checkEmbedding, checkId, checkLabel } from './embedding-check.js';
import { encodeRecordBatch } from './feature-batch.js';
import { FeatureFileError } from './feature-file-error.js';
import { checkFeatureMetadata, FEATURE_FORMAT_VERSION, type FeatureMetadata } from './feature-metadata.js';
import { featureSchema } from './feature-schema.js';
import { IdSet } from './id-set.js';

/** Rows per record batch: 8192 × 512-d float32 = 16 MiB of embeddings held at a time. */
export const DEFAULT_BATCH_ROWS = 8192;

/** Metadata given to a writer; `format` defaults to the current version. */
export type FeatureMetadataInput = Omit<FeatureMetadata, 'format'> & { format?: FeatureMetadata['format'] };

export interface FeatureWriterOptions {
  /** Rows per record batch (the unit of memory for writer and readers). */
  batchRows?: number;
  /** Files the run reads: the output may not be one of them (see run/output-path.ts). */
  inputs?: readonly string[];
  /** `-` writes the Arrow file to stdout. */
  allowStdout?: boolean;
  /**
   * Add the nullable annotation columns `labels` (object class names) and `meta` (scalar fields as
   * JSON), for annotated DBs such as `voc:`; see ANNOTATION_COLUMNS in feature-schema.ts.
   */
  annotations?: boolean;
}

/** One row for `FeatureWriter.append`. */
export interface FeatureRow {
  id: string;
  path?: string | null;
  /** Ground-truth class when known (evaluation only). */
  label?: number | null;
  embedding: ArrayLike<number>;
  /** Object class names, one per instance (annotation columns only); null = no annotation. */
  objects?: readonly string[] | null;
  /** The annotation's scalar fields (annotation columns only); null = no annotation. */
  meta?: Readonly<Record<string, string>> | null;
}

/** Column-wise rows for `FeatureWriter.appendBatch`; `embeddings` is row-major `ids.length × dim`. */
export interface FeatureRowBatch {
  ids: readonly string[];
  paths?: readonly (string | null)[];
  labels?: ArrayLike<number> | readonly (number | null)[];
  embeddings: Float32Array;
  /** Annotation columns only: per row its object class names and scalar fields (null = none). */
  objects?: readonly (readonly string[] | null)[];
  meta?: readonly (Readonly<Record<string, string>> | null)[];
}

/**
 * Streams rows into a twindb feature file (Arrow IPC *file* format, see feature-reader.ts for why).
 * At most `batchRows` rows are held in memory; each full batch is written out before `append`
 * resolves. Every row is validated; the first bad row aborts the whole write (temp file removed)
 * and throws a FeatureFileError naming the file, row and id, because a partial feature file is
 * never useful downstream. The file appears under its final name only when `close()` succeeds.
 */
export class FeatureWriter {
  private readonly ids = new IdSet();
  private readonly pendingIds: string[] = [];
  private readonly pendingPaths: (string | null)[] = [];
  private readonly pendingObjects: (readonly string[] | null)[] = [];
  private readonly pendingMeta: (Readonly<Record<string, string>> | null)[] = [];
  private readonly pendingLabels: Int32Array;
  private readonly pendingLabelValid: Uint8Array;
  private readonly pendingEmbeddings: Float32Array;
  private rows = 0;
  private state: 'open' | 'busy' | 'closed' | 'aborted' = 'open';

  private constructor(
    readonly path: string,
    readonly meta: FeatureMetadata,
    readonly batchRows: number,
    private readonly schema: Schema,
    private readonly file: StreamingAtomicFile,
    private readonly arrow: RecordBatchFileWriter,
    private readonly sink: ChunkSink,
    /** Whether the file has the `labels` and `meta` annotation columns. */
    readonly annotations: boolean,
  ) {
    this.pendingLabels = new Int32Array(batchRows);
    this.pendingLabelValid = new Uint8Array(batchRows);
    this.pendingEmbeddings = new Float32Array(batchRows * meta.dim);
  }

  static async create(path: string, meta: FeatureMetadataInput, opts: FeatureWriterOptions = {}): Promise<FeatureWriter> {
    const checked = checkFeatureMetadata({ ...meta, format: meta.format ?? FEATURE_FORMAT_VERSION });
    if (!checked.ok) throw new FeatureFileError(path, `invalid feature metadata: ${checked.problem}`);
    const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
    if (!Number.isInteger(batchRows) || batchRows < 1) {
      throw new FeatureFileError(path, `batchRows must be a positive integer, got ${batchRows}`);
    }
    const annotations = opts.annotations === true;
    const schema = featureSchema(checked.value, { annotations });
    const sink = new ChunkSink();
    const file = await StreamingAtomicFile.create(path, { inputs: opts.inputs, allowStdout: opts.allowStdout });
    // Starting with the schema (rather than at the first batch) makes an empty file valid too.
    const arrow = new RecordBatchFileWriter().reset(sink, schema);
    const w = new FeatureWriter(path, checked.value, batchRows, schema, file, arrow, sink, annotations);
    await w.drain().catch(async (err) => {
      await file.discard();
      throw err;
    });
    return w;
  }

  /** Rows accepted so far (including rows still buffered). */
  get rowCount(): number {
    return this.rows;
  }

  /** Appends rows; resolves once any completed batch is on disk. */
  async append(rows: Iterable<FeatureRow>): Promise<void> {
    await this.run(async () => {
      for (const r of rows) {
        if (r.embedding?.length !== this.meta.dim) {
          throw new FeatureFileError(
            this.path,
            `embedding has ${r.embedding?.length ?? 'no'} values, expected dim ${this.meta.dim}`,
            this.rows,
            r.id,
          );
        }
        this.addRow(r.id, r.path ?? null, r.label ?? null, r.embedding, 0, r.objects ?? null, r.meta ?? null);
        if (this.pendingIds.length === this.batchRows) await this.flush();
      }
    });
  }

  /** Appends rows given column-wise (the fast path for encoder output). */
  async appendBatch(batch: FeatureRowBatch): Promise<void> {
    await this.run(async () => {
      const n = batch.ids.length;
      const dim = this.meta.dim;
      if (batch.embeddings.length !== n * dim) {
        throw new FeatureFileError(
          this.path,
          `appendBatch: embeddings has ${batch.embeddings.length} values for ${n} ids; expected ${n} × dim ${dim} = ${n * dim}`,
          this.rows,
        );
      }
      for (const [name, col] of [['paths', batch.paths], ['labels', batch.labels], ['objects', batch.objects], ['meta', batch.meta]] as const) {
        if (col && col.length !== n) {
          throw new FeatureFileError(this.path, `appendBatch: ${name} has ${col.length} entries for ${n} ids`, this.rows);
        }
      }
      for (let i = 0; i < n; i++) {
        this.addRow(batch.ids[i], batch.paths?.[i] ?? null, batch.labels?.[i] ?? null, batch.embeddings, i * dim, batch.objects?.[i] ?? null, batch.meta?.[i] ?? null);
        if (this.pendingIds.length === this.batchRows) await this.flush();
      }
    });
  }

  /** Writes the last batch and the footer, then renames the temp file to `path`. */
  async close(): Promise<{ path: string; rows: number }> {
    await this.run(async () => {
      if (this.pendingIds.length > 0) await this.flush();
      this.arrow.close();
      await this.drain();
      await this.file.commit();
    });
    this.state = 'closed';
    return { path: this.path, rows: this.rows };
  }

  /** Drops everything written so far; nothing appears under `path`. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'aborted';
    await this.file.discard();
  }

  /** Serialises calls and turns any failure into an abort, so no half-written file survives. */
  private async run(body: () => Promise<void>): Promise<void> {
    if (this.state === 'busy') {
      throw new FeatureFileError(this.path, 'FeatureWriter is already busy: await each append/appendBatch/close call');
    }
    if (this.state !== 'open') throw new FeatureFileError(this.path, `FeatureWriter is ${this.state}`);
    this.state = 'busy';
    try {
      await body();
      this.state = 'open';
    } catch (err) {
      this.state = 'aborted';
      await this.file.discard().catch(() => undefined);
      throw err;
    }
  }

  private addRow(
    id: string,
    path: string | null,
    label: number | null,
    emb: ArrayLike<number>,
    offset: number,
    objects: readonly string[] | null,
    meta: Readonly<Record<string, string>> | null,
  ): void {
    const row = this.rows;
    const dim = this.meta.dim;
    const idProblem = checkId(id);
    if (idProblem) throw new FeatureFileError(this.path, idProblem, row);
    if (path !== null && typeof path !== 'string') {
      throw new FeatureFileError(this.path, `path is ${typeof path}; expected a string or null`, row, id);
    }
    const labelProblem = checkLabel(label);
    if (labelProblem) throw new FeatureFileError(this.path, labelProblem, row, id);
    const annotationProblem = this.checkAnnotation(objects, meta);
    if (annotationProblem) throw new FeatureFileError(this.path, annotationProblem, row, id);
    const k = this.pendingIds.length;
    const dst = this.pendingEmbeddings;
    const base = k * dim;
    for (let j = 0; j < dim; j++) dst[base + j] = emb[offset + j];
    const embProblem = checkEmbedding(dst, base, dim, this.meta.normalized);
    if (embProblem) throw new FeatureFileError(this.path, embProblem, row, id);
    if (!this.ids.add(id)) throw new FeatureFileError(this.path, 'duplicate id (an earlier row has the same id)', row, id);
    this.pendingIds.push(id);
    this.pendingPaths.push(path);
    if (this.annotations) {
      this.pendingObjects.push(objects);
      this.pendingMeta.push(meta);
    }
    this.pendingLabels[k] = label ?? 0;
    this.pendingLabelValid[k] = label === null ? 0 : 1;
    this.rows++;
  }

  private async flush(): Promise<void> {
    const batch = encodeRecordBatch(this.schema, this.meta.dim, {
      length: this.pendingIds.length,
      ids: this.pendingIds,
      paths: this.pendingPaths,
      labels: this.pendingLabels,
      labelValid: this.pendingLabelValid,
      embeddings: this.pendingEmbeddings,
      ...(this.annotations ? { objects: this.pendingObjects, meta: this.pendingMeta } : {}),
    });
    this.arrow.write(batch);
    // The chunks view the pending buffers, so they must reach the file before those are reused.
    await this.drain();
    this.pendingIds.length = 0;
    this.pendingPaths.length = 0;
    this.pendingObjects.length = 0;
    this.pendingMeta.length = 0;
  }

  /** Why a row's annotation cannot be written, or undefined. */
  private checkAnnotation(objects: readonly string[] | null, meta: Readonly<Record<string, string>> | null): string | undefined {
    if (objects === null && meta === null) return undefined;
    if (!this.annotations) return 'the row has object labels or metadata but the file has no annotation columns (create the writer with annotations: true)';
    if (objects !== null) {
      if (!Array.isArray(objects)) return `objects is ${typeof objects}; expected an array of class names or null`;
      for (const o of objects) if (typeof o !== 'string' || o === '') return `objects holds ${JSON.stringify(o)}; expected non-empty class names`;
    }
    if (meta !== null) {
      if (typeof meta !== 'object' || Array.isArray(meta)) return `meta is ${Array.isArray(meta) ? 'an array' : typeof meta}; expected an object of field → value or null`;
      for (const [k, v] of Object.entries(meta)) if (typeof v !== 'string') return `meta field ${JSON.stringify(k)} is ${typeof v}; expected a string`;
    }
    return undefined;
  }

  private async drain(): Promise<void> {
    await this.file.write(this.sink.take());
  }
}
