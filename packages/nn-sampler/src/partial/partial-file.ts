import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  ChunkSink,
  InputDataError,
  OutputPathError,
  planOutputFile,
  tempPathFor,
  trackTemp,
  untrackTemp,
} from '@twindb/core-tensors';
import {
  AsyncRecordBatchFileReader,
  Field,
  FixedSizeList,
  Float32,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Struct,
} from 'apache-arrow';
import { z } from 'zod';
import type { NeighborLists } from '../search/neighbor-lists.js';
import { PartialIdentitySchema } from './partial-identity.js';

/** The schema metadata key holding a partial file's JSON header; its presence is what makes a file a partial file. */
export const PARTIAL_METADATA_KEY = 'twindb.partial';
const FORMAT = 1;

/** A partial file's header: what was searched (identity) and which part of the pool. */
export const PartialHeaderSchema = z.object({
  format: z.literal(FORMAT),
  identity: PartialIdentitySchema,
  shard: z.object({
    index: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    /** Global pool rows [start, end) this shard searched. */
    start: z.number().int().nonnegative(),
    end: z.number().int().nonnegative(),
  }),
});
export type PartialHeader = z.infer<typeof PartialHeaderSchema>;

/** Kept targets per record batch: the merge holds one batch per file, whatever the target count. */
export const PARTIAL_BLOCK_TARGETS = 4096;

/**
 * Checks before any compute where a partial file may go: never an input (same inode), never a
 * folder, and an existing file only when it is a partial file itself (a rerun of the same shard).
 */
export async function checkPartialOutput(file: string, inputs: readonly string[]): Promise<void> {
  const plan = await planOutputFile(file, { inputs, what: '--partial' });
  if (plan.kind !== 'atomic') return;
  const stat = await fs.stat(plan.path).catch(() => undefined);
  if (stat && !(await isPartialFile(plan.path))) {
    throw new OutputPathError(file, `--partial ${file} exists and is not a twindb partial file; twindb replaces only partial files it wrote: remove it or choose another name`);
  }
}

async function isPartialFile(file: string): Promise<boolean> {
  try {
    const p = await openPartialFile(file);
    await p.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes each target's candidates (global pool rows and distances, `lists.k` per target, padded
 * with −1 / +Infinity) with `header`, one record batch per {@link PARTIAL_BLOCK_TARGETS} targets,
 * under a temp name renamed into place when complete: an interrupted write leaves no partial file.
 */
export async function writePartialFile(file: string, header: PartialHeader, lists: NeighborLists, inputs: readonly string[]): Promise<void> {
  const plan = await planOutputFile(file, { inputs, what: '--partial', probe: false });
  if (plan.kind === 'stdout') throw new OutputPathError(file, '--partial: give a file name');
  const depth = lists.k;
  const fields = [
    new Field('target', new Int32(), false),
    new Field('indices', new FixedSizeList(depth, new Field('item', new Int32(), false)), false),
    new Field('distances', new FixedSizeList(depth, new Field('item', new Float32(), false)), false),
  ];
  const schema = new Schema(fields, new Map([[PARTIAL_METADATA_KEY, JSON.stringify(header)]]));
  const direct = plan.kind === 'direct';
  const tmp = direct ? plan.path : tempPathFor(plan.path);
  if (!direct) trackTemp(tmp);
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(tmp, direct ? 'w' : 'wx');
    const sink = new ChunkSink();
    const arrow = new RecordBatchFileWriter().reset(sink, schema);
    for (let t0 = 0; t0 < lists.queries; t0 += PARTIAL_BLOCK_TARGETS) {
      const n = Math.min(PARTIAL_BLOCK_TARGETS, lists.queries - t0);
      const target = makeData({ type: new Int32(), length: n, nullCount: 0, data: Int32Array.from({ length: n }, (_, i) => t0 + i) });
      const indices = makeData({
        type: fields[1].type as FixedSizeList<Int32>,
        length: n,
        nullCount: 0,
        child: makeData({ type: new Int32(), length: n * depth, nullCount: 0, data: lists.indices.subarray(t0 * depth, (t0 + n) * depth) }),
      });
      const distances = makeData({
        type: fields[2].type as FixedSizeList<Float32>,
        length: n,
        nullCount: 0,
        child: makeData({ type: new Float32(), length: n * depth, nullCount: 0, data: lists.distances.subarray(t0 * depth, (t0 + n) * depth) }),
      });
      arrow.write(new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children: [target, indices, distances] })));
      for (const c of sink.take()) await handle.write(c);
    }
    arrow.close();
    for (const c of sink.take()) await handle.write(c);
    if (!direct) await handle.sync();
    await handle.close();
    handle = undefined;
    if (!direct) await fs.rename(tmp, plan.path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    if (!direct) await fs.rm(tmp, { force: true });
    throw err;
  } finally {
    if (!direct) untrackTemp(tmp);
  }
}

/** One record batch of a partial file: the candidates of targets [start, start + rows). */
export interface PartialBlock {
  readonly start: number;
  readonly rows: number;
  readonly indices: Int32Array;
  readonly distances: Float32Array;
}

export interface PartialFile {
  readonly file: string;
  readonly header: PartialHeader;
  readonly batches: number;
  readBlock(i: number): Promise<PartialBlock>;
  close(): Promise<void>;
}

/** Opens a partial file (footer and header only); anything else is an InputDataError naming the file. */
export async function openPartialFile(file: string): Promise<PartialFile> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw new InputDataError(`${file}: cannot open the partial file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  let reader: AsyncRecordBatchFileReader | undefined;
  try {
    const r = await RecordBatchReader.from(handle);
    if (!(r instanceof AsyncRecordBatchFileReader)) throw new Error('not an Arrow IPC file');
    reader = r;
    await r.open();
    const text = r.schema.metadata.get(PARTIAL_METADATA_KEY);
    if (text === undefined) throw new Error(`no ${PARTIAL_METADATA_KEY} metadata: not written by twindb sample --pool-shard`);
    const parsed = PartialHeaderSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`bad ${PARTIAL_METADATA_KEY} metadata: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const header = parsed.data;
    const depth = header.identity.depth;
    const names = r.schema.fields.map((f) => f.name).join(',');
    if (names !== 'target,indices,distances') throw new Error(`columns ${names}, expected target,indices,distances`);
    const width = (r.schema.fields[1].type as FixedSizeList).listSize;
    if (width !== depth) throw new Error(`lists of ${width} candidates, but the header says top ${depth}`);
    return {
      file,
      header,
      batches: r.numRecordBatches,
      async readBlock(i) {
        const rb = await r.readRecordBatch(i);
        if (!rb) throw new InputDataError(`${file}: record batch ${i} cannot be read`);
        const n = rb.numRows;
        // The values of list j start at element (list offset + j) × depth + the values' own offset.
        const child = (c: number) => {
          const d = rb.getChildAt(c)!.data[0];
          const v = d.children[0];
          const s = v.offset + d.offset * depth;
          return v.values.subarray(s, s + n * depth);
        };
        const t = rb.getChildAt(0)!.data[0];
        const start = n > 0 ? (t.values as Int32Array)[t.offset] : 0;
        return { start, rows: n, indices: child(1) as Int32Array, distances: child(2) as Float32Array };
      },
      close: () => r.cancel(),
    };
  } catch (err) {
    if (reader) await reader.cancel().catch(() => undefined);
    else await handle.close().catch(() => undefined);
    if (err instanceof InputDataError) throw err;
    throw new InputDataError(`${file}: not a twindb partial file (${(err as Error).message})`, { cause: err });
  }
}
