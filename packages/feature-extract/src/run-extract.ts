import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dbFingerprint, decodeStream, normalize, openImageSource, RejectedImages, type ImageU8 } from '@twindb/core-tensors/data';
import {
  exportFeaturesCsv,
  FeatureWriter,
  planOutputFile,
  logRemovedTemps,
  removeStaleTemps,
  formatZodIssues,
  InputDataError,
  l2Normalize,
  openFeatureFile,
  RunLog,
  stepContext,
  UsageError,
  type StepContext,
} from '@twindb/core-tensors';
import * as ort from 'onnxruntime-node';
import { encoderSpec, type EncoderSpec } from './encoder-spec.js';
import { ExtractOptionsSchema, shardRange, type ExtractOptionsInput } from './extract-options.js';

/** What {@link runExtract} did; also written to `extract.summary.json`. */
export interface ExtractSummary {
  out: string;
  /** True when `out` already held this DB, shard and encoder and nothing was run. */
  skipped: boolean;
  db: string;
  encoder: string;
  dim: number;
  /** Source rows this run covered ([first, end)) and the rows written. */
  range: [number, number];
  rows: number;
  rejected: number;
  seconds: number;
  imagesPerSecond: number;
  /** The fork's headerless CSV written next to the Arrow file (`csv` option), when asked for. */
  csv?: string;
  /**
   * Annotated DBs (`voc:`) only: annotation files that could not be read or parsed and were skipped
   * (their images are embedded, with null `labels` and `meta`); each was also a warning.
   */
  badAnnotations?: { file: string; line?: number; reason: string }[];
}

/**
 * STEP 1-1: embeds every image of a DB (or one shard of it) with an ONNX encoder and writes an
 * Arrow feature file (`id`, `path`, `label`, `embedding`; metadata: encoder, dim, normalized, db;
 * for annotated DBs (`voc:`) also `labels`, the object class names, and `meta`, the annotation's
 * scalar fields as JSON, both null for an image without a readable annotation).
 * Decoding runs ahead on libuv's pool while ONNX Runtime embeds the previous batch. Unreadable
 * images are skipped and listed in `<out>.rejected.csv`; the output appears only when complete, and
 * a rerun whose output already holds the same DB, shard and encoder returns at once (resume of a
 * sharded job array), unless `force`.
 */
export async function runExtract(input: ExtractOptionsInput, context: Partial<StepContext> = {}): Promise<ExtractSummary> {
  const parsed = ExtractOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(`extract: invalid options: ${formatZodIssues(parsed.error.issues)}`);
  const opts = parsed.data;
  const ctx = stepContext(context);
  const t0 = performance.now();
  // Every output location is checked before any compute: not the encoder, not a folder, writable.
  const outDir = path.dirname(path.resolve(opts.out));
  const rejectedCsv = `${opts.out}.rejected.csv`;
  await planOutputFile(opts.out, { inputs: [opts.encoder], createDir: true, what: '--out' });
  await planOutputFile(rejectedCsv, { inputs: [opts.encoder], what: 'rejected list' });
  const runDir = opts.runDir ?? outDir;
  const summaryFile = path.join(runDir, 'extract.summary.json');
  await planOutputFile(summaryFile, { inputs: [opts.encoder], createDir: true, what: '--run-dir' });
  if (opts.csv !== undefined) await planCsv(opts.csv, { encoder: opts.encoder, out: opts.out, others: [rejectedCsv, summaryFile, path.join(runDir, 'extract.log.jsonl')] });
  logRemovedTemps(removeStaleTemps(outDir, [path.basename(opts.out), path.basename(rejectedCsv)]), ctx.log);
  if (opts.csv !== undefined) logRemovedTemps(removeStaleTemps(path.dirname(path.resolve(opts.csv)), [path.basename(opts.csv)]), ctx.log);
  const bytes = readEncoder(opts.encoder);
  const encoderSha256 = createHash('sha256').update(bytes).digest('hex');
  const spec = encoderSpec(bytes, opts.encoder, opts);
  const [h, w, c] = spec.inputShape;
  if (c !== 1 && c !== 3) throw new InputDataError(`${opts.encoder}: input has ${c} channels; twindb feeds 1 (grey) or 3 (RGB)`);
  const source = await openImageSource(opts.db, { format: { size: [w, h], fit: opts.fit, channels: c }, warn: ctx.log });
  const [first, end] = shardRange(source.records.length, opts.shard);
  const annotated = source.annotated === true;
  // The skipped annotation files of this run's rows (the source has warned about each).
  const problems = source.annotationProblems ?? [];
  const rowOf = problems.length > 0 ? new Map(source.records.map((r, i) => [r.id, i])) : undefined;
  const badAnnotations = annotated
    ? {
        badAnnotations: problems
          .filter((p) => {
            const i = rowOf?.get(p.id);
            return i === undefined || (i >= first && i < end);
          })
          .map((p) => ({ file: p.path, ...(p.line === undefined ? {} : { line: p.line }), reason: p.reason })),
      }
    : {};
  const encoderId = `${spec.name}@${path.basename(opts.encoder)}`;
  const runLog = new RunLog(runDir, 'extract');
  const identity: Identity = {
    encoderSha256,
    dbFingerprint: await dbFingerprint(source, first, end),
    options: optionsHash({ fit: opts.fit, layout: spec.layout, inputShape: spec.inputShape, mean: spec.mean, std: spec.std, normalized: spec.normalized, l2Normalize: opts.l2Normalize, range: [first, end] }),
    sourceRows: end - first,
  };

  const done = opts.force ? undefined : await finishedOutput(opts.out, rejectedCsv, source.name, identity, source.skipped?.length ?? 0);
  if (done?.reuse) {
    const summary: ExtractSummary = { out: opts.out, skipped: true, db: source.name, encoder: encoderId, dim: done.dim, range: [first, end] as [number, number], rows: done.rows, rejected: end - first - done.rows, seconds: 0, imagesPerSecond: 0, ...badAnnotations };
    runLog.event('skipped', { reason: 'output already complete (same encoder hash, DB fingerprint, options and rows)', out: opts.out });
    ctx.log(`extract: ${opts.out} is complete for this encoder (sha256 ${encoderSha256.slice(0, 12)}…), DB and options; nothing to do (--force to redo)`);
    if (opts.csv !== undefined) summary.csv = await writeSeedCsv(opts.out, opts.csv, runLog, ctx.log);
    await runLog.summary({ ...summary });
    return summary;
  }
  if (done) {
    ctx.log(`extract: recomputing ${opts.out}: ${done.why}`);
    runLog.event('recompute', { reason: done.why, out: opts.out });
  }

  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
  });
  runLog.event('start', { db: source.name, encoder: opts.encoder, range: [first, end], batchSize: opts.batchSize, layout: spec.layout, inputShape: spec.inputShape });
  const rejected = new RejectedImages(ctx.log);
  for (const item of source.skipped ?? []) rejected.add(item);
  // Rejected images count as done, so the line ends at 100 %.
  const progress = ctx.progress('extract', end - first, 'img');
  let rejectedTicked = 0;
  const tickRejected = () => {
    const n = rejected.count - (source.skipped?.length ?? 0) - rejectedTicked;
    if (n > 0) progress.tick(n);
    rejectedTicked += n;
  };
  const pixels = h * w * c;
  const batch = new Float32Array(opts.batchSize * pixels);
  let writer: FeatureWriter | undefined;
  let ids: string[] = [];
  let paths: (string | null)[] = [];
  let labels: (number | null)[] = [];
  let objects: (readonly string[] | null)[] = [];
  let meta: (Readonly<Record<string, string>> | null)[] = [];
  let rows = 0;
  let dim = 0;

  const flush = async () => {
    const n = ids.length;
    if (n === 0) return;
    const dims = spec.layout === 'NHWC' ? [n, h, w, c] : [n, c, h, w];
    const feeds = { [spec.inputName]: new ort.Tensor('float32', batch.subarray(0, n * pixels), dims) };
    const result = (await session.run(feeds))[spec.outputName];
    const emb = embeddingsOf(result, n, opts.encoder, spec.outputName);
    dim = emb.length / n;
    const normalized = spec.normalized || opts.l2Normalize;
    if (!spec.normalized && opts.l2Normalize) l2Normalize(emb, dim, { inPlace: true });
    writer ??= await FeatureWriter.create(opts.out, { encoder: encoderId, dim, normalized, db: source.name, ...identity }, { inputs: [opts.encoder], annotations: annotated });
    await writer.appendBatch({ ids, paths, labels, embeddings: emb, ...(annotated ? { objects, meta } : {}) });
    rows += n;
    tickRejected();
    progress.tick(n);
    ids = [];
    paths = [];
    labels = [];
    objects = [];
    meta = [];
  };

  try {
    const indices = Array.from({ length: end - first }, (_, i) => first + i);
    for await (const { record, image } of decodeStream(source, indices, { concurrency: opts.concurrency, rejected })) {
      placeImage(batch, ids.length, image, spec);
      ids.push(record.id);
      paths.push(record.path ?? null);
      labels.push(record.label ?? null);
      if (annotated) {
        objects.push(record.objects ?? null);
        meta.push(record.meta ?? null);
      }
      if (ids.length === opts.batchSize) {
        await flush();
        ctx.signal?.throwIfAborted();
      }
    }
    await flush();
    tickRejected();
    if (!writer) throw new InputDataError(`extract: ${source.name} rows ${first}..${end - 1} hold no image to embed`);
    await writer.close();
  } catch (err) {
    await writer?.abort();
    runLog.event('failed', { error: (err as Error).message });
    throw err;
  } finally {
    await session.release();
  }
  if (rejected.count > 0) await rejected.writeCsv(rejectedCsv);
  const csv = opts.csv === undefined ? {} : { csv: await writeSeedCsv(opts.out, opts.csv, runLog, ctx.log) };
  const seconds = (performance.now() - t0) / 1000;
  const summary: ExtractSummary = {
    out: opts.out,
    skipped: false,
    db: source.name,
    encoder: encoderId,
    dim,
    range: [first, end],
    rows,
    rejected: rejected.count,
    seconds: Math.round(seconds * 100) / 100,
    imagesPerSecond: Math.round((rows / seconds) * 10) / 10,
    ...csv,
    ...badAnnotations,
  };
  runLog.event('done', { ...summary });
  await runLog.summary({ ...summary });
  return summary;
}

/**
 * The `csv` output is checked with the others, before any compute: not the encoder or the Arrow
 * output (also through a link), not another file this run writes, not a folder, writable.
 */
async function planCsv(csv: string, o: { encoder: string; out: string; others: string[] }): Promise<void> {
  const target = await planOutputFile(csv, { inputs: [o.encoder, o.out], createDir: true, what: '--csv' });
  const real = target.kind === 'stdout' ? csv : path.resolve(target.path);
  const out = path.resolve(o.out);
  if (real === out || path.resolve(csv) === out) throw new UsageError(`--csv ${csv} is also the Arrow output --out ${o.out}; give the CSV another name`);
  for (const other of o.others) {
    if (real === path.resolve(other)) throw new UsageError(`--csv ${csv} is ${other}, which this run also writes; give the CSV another name`);
  }
}

/** Writes the Arrow output's rows as the fork's headerless CSV (atomically: a temp next to it, renamed when complete). */
async function writeSeedCsv(arrow: string, csv: string, runLog: RunLog, log: (line: string) => void): Promise<string> {
  const { rows } = await exportFeaturesCsv(arrow, csv, { headerless: true });
  runLog.event('csv', { csv, rows });
  log(`extract: ${rows} rows written to ${csv} (headerless name,f0,f1,…)`);
  return csv;
}

function readEncoder(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InputDataError(`extract: cannot read the encoder ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** What makes an extract output current: who embedded what, how. Recorded in the file's metadata. */
interface Identity {
  encoderSha256: string;
  dbFingerprint: string;
  options: string;
  sourceRows: number;
}

function optionsHash(o: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 32);
}

/**
 * Whether the existing output can be reused: only when its metadata records the same encoder
 * content hash, DB fingerprint, options and source rows, and its rows plus the rejected list
 * account for every source row. Otherwise why not (logged, then recomputed).
 */
async function finishedOutput(
  out: string,
  rejectedCsv: string,
  db: string,
  want: Identity,
  walkSkipped: number,
): Promise<{ reuse: true; rows: number; dim: number } | { reuse: false; why: string } | undefined> {
  if (!existsSync(out)) return undefined;
  let info;
  try {
    info = await openFeatureFile(out);
  } catch (err) {
    return { reuse: false, why: `the existing file cannot be read (${(err as Error).message})` };
  }
  const m = info.meta;
  const why =
    m.db !== db
      ? `it holds DB ${JSON.stringify(m.db)}`
      : m.encoderSha256 === undefined
        ? 'it records no encoder hash (written by an older twindb)'
        : m.encoderSha256 !== want.encoderSha256
          ? `it was made by another encoder (sha256 ${m.encoderSha256.slice(0, 12)}…, now ${want.encoderSha256.slice(0, 12)}…)`
          : m.dbFingerprint !== want.dbFingerprint
            ? 'the DB changed since (files added, removed, replaced or relabelled)'
            : m.options !== want.options
              ? 'options that affect the embeddings changed (input size, fit, normalisation or shard)'
              : m.sourceRows !== want.sourceRows || info.rows + rejectedRows(rejectedCsv, info.rows, want.sourceRows) + (info.rows === want.sourceRows ? 0 : -walkSkipped) !== want.sourceRows
                ? `its ${info.rows} rows do not account for the ${want.sourceRows} DB records`
                : undefined;
  return why === undefined ? { reuse: true, rows: info.rows, dim: m.dim } : { reuse: false, why };
}

/** Rows listed in the rejected CSV (0 when every record became a row). */
function rejectedRows(file: string, rows: number, sourceRows: number): number {
  if (rows === sourceRows) return 0;
  try {
    return readFileSync(file, 'utf8').trim().split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** (x/255 − mean)/std of one image, into row `slot` of the batch in the encoder's layout. */
function placeImage(batch: Float32Array, slot: number, image: ImageU8, spec: EncoderSpec): void {
  const [h, w, c] = spec.inputShape;
  if (image.width !== w || image.height !== h || image.channels !== c) {
    throw new InputDataError(`extract: an image came out ${image.width}×${image.height}×${image.channels}, expected ${w}×${h}×${c}`);
  }
  const x = normalize(image, { mean: spec.mean, std: spec.std }).data;
  const base = slot * h * w * c;
  if (spec.layout === 'NHWC') {
    batch.set(x, base);
    return;
  }
  const plane = h * w;
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) batch[base + k * plane + p] = x[p * c + k];
}

function embeddingsOf(t: ort.Tensor | undefined, n: number, file: string, name: string): Float32Array {
  if (!t || t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== n) {
    throw new InputDataError(`${file}: output "${name}" should be float32 [${n}, dim] for a batch of ${n}, got ${t ? `${t.type} [${t.dims}]` : 'nothing'}`);
  }
  return new Float32Array(t.data as Float32Array);
}
