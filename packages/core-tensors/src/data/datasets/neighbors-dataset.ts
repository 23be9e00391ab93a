import { ImageReadError } from '../decode/image-read-error.js';
import { boundedMap } from '../decode/bounded-map.js';
import { defaultDecodeConcurrency } from '../decode/decode-stream.js';
import { RejectedImages } from '../decode/rejected-images.js';
import type { ImageF32, ImageU8 } from '../image.js';
import type { ImageTransform } from '../augment/transform.js';
import type { ImageSource } from '../sources/image-source.js';
import { stackImages } from './batch-stack.js';
import type { BatchOptions } from './augmented-dataset.js';
import { epochOrder, sampleRng } from './epoch-order.js';

/** Mined neighbours: row i holds `columns` source indices, column 0 normally i itself. */
export interface NeighborTable {
  indices: Int32Array;
  columns: number;
}

export interface NeighborsDatasetOptions {
  anchorTransform: ImageTransform;
  /** Defaults to the anchor transform (as in every shipped SCAN config). */
  neighborTransform?: ImageTransform;
  /** Keep columns 0..numNeighbors (self + numNeighbors), as the reference's `num_neighbors`. */
  numNeighbors?: number;
  seed?: number;
  concurrency?: number;
  prefetch?: number;
  rejected?: RejectedImages;
}

export interface NeighborsSample {
  index: number;
  neighborIndex: number;
  anchor: ImageF32;
  neighbor: ImageF32;
  /** The row the neighbour was drawn from. */
  possibleNeighbors: Int32Array;
  target: number;
}

export interface NeighborsBatch {
  indices: Int32Array;
  neighborIndices: Int32Array;
  targets: Int32Array;
  /** NHWC. */
  anchor: Float32Array;
  neighbor: Float32Array;
  shape: [number, number, number, number];
  /** batch × columns. */
  possibleNeighbors: Int32Array;
  columns: number;
}

/**
 * SCAN's NeighborsDataset: an anchor and one neighbour drawn uniformly per access from its whole row
 * (including column 0, the anchor itself, 1/(k+1) of the time), each transformed independently.
 */
export class NeighborsDataset {
  readonly rejected: RejectedImages;
  readonly columns: number;
  private readonly seed: number;
  private readonly neighborTransform: ImageTransform;

  constructor(
    readonly source: ImageSource,
    private readonly table: NeighborTable,
    private readonly opts: NeighborsDatasetOptions,
  ) {
    const n = source.records.length;
    if (table.columns < 1 || table.indices.length !== n * table.columns) {
      throw new Error(
        `${source.name}: the neighbour table has ${table.indices.length} entries, expected ${n} rows × ${table.columns} columns`,
      );
    }
    for (let i = 0; i < table.indices.length; i++) {
      const j = table.indices[i];
      if (!(j >= 0 && j < n)) {
        throw new Error(`${source.name}: neighbour table row ${Math.floor(i / table.columns)} holds index ${j}, outside [0, ${n})`);
      }
    }
    const keep = opts.numNeighbors === undefined ? table.columns : opts.numNeighbors + 1;
    if (keep > table.columns) throw new Error(`${source.name}: numNeighbors ${opts.numNeighbors} needs ${keep} columns, the table has ${table.columns}`);
    this.columns = keep;
    this.seed = opts.seed ?? 0;
    this.neighborTransform = opts.neighborTransform ?? opts.anchorTransform;
    this.rejected = opts.rejected ?? new RejectedImages();
  }

  get length(): number {
    return this.source.records.length;
  }

  row(i: number): Int32Array {
    return this.table.indices.subarray(i * this.table.columns, i * this.table.columns + this.columns);
  }

  private draw(index: number, epoch: number) {
    const rng = sampleRng(this.seed, epoch, index);
    const row = this.row(index);
    return { rng, row, neighborIndex: row[rng.int(row.length)] };
  }

  private make(index: number, epoch: number, anchor: ImageU8, neighbor: ImageU8): NeighborsSample {
    const { rng, row, neighborIndex } = this.draw(index, epoch);
    return {
      index,
      neighborIndex,
      anchor: this.opts.anchorTransform(anchor, rng),
      neighbor: this.neighborTransform(neighbor, rng),
      possibleNeighbors: row.slice(),
      target: this.source.records[index].label ?? -1,
    };
  }

  async get(index: number, epoch = 0): Promise<NeighborsSample> {
    const { neighborIndex } = this.draw(index, epoch);
    const [a, b] = await Promise.all([this.source.load(index), this.source.load(neighborIndex)]);
    return this.make(index, epoch, a, b);
  }

  /** One epoch of batches; a pair with an unreadable anchor or neighbour is skipped and logged. */
  async *batches(b: BatchOptions): AsyncGenerator<NeighborsBatch> {
    const epoch = b.epoch ?? 0;
    const order = epochOrder(this.length, this.seed, epoch, b.shuffle ?? true);
    const concurrency = this.opts.concurrency ?? defaultDecodeConcurrency();
    const load = async (i: number) => {
      const j = this.draw(i, epoch).neighborIndex;
      return Promise.all([this.source.load(i), j === i ? null : this.source.load(j)]);
    };
    let rows: NeighborsSample[] = [];
    const flush = (): NeighborsBatch => {
      const anchor = stackImages(rows.map((r) => r.anchor), this.source.name);
      const neighbor = stackImages(rows.map((r) => r.neighbor), this.source.name);
      const possibleNeighbors = new Int32Array(rows.length * this.columns);
      rows.forEach((r, k) => possibleNeighbors.set(r.possibleNeighbors, k * this.columns));
      const out = {
        indices: Int32Array.from(rows, (r) => r.index),
        neighborIndices: Int32Array.from(rows, (r) => r.neighborIndex),
        targets: Int32Array.from(rows, (r) => r.target),
        anchor: anchor.data,
        neighbor: neighbor.data,
        shape: anchor.shape,
        possibleNeighbors,
        columns: this.columns,
      };
      rows = [];
      return out;
    };
    for await (const r of boundedMap(order, load, { concurrency, prefetch: this.opts.prefetch ?? 2 * concurrency })) {
      if (!r.ok) {
        if (!(r.error instanceof ImageReadError)) throw r.error;
        this.rejected.add({ id: r.error.file, path: r.error.file, reason: r.error.reason });
        continue;
      }
      const [a, n] = r.value;
      rows.push(this.make(r.item, epoch, a, n ?? a));
      if (rows.length === b.batchSize) yield flush();
    }
    if (rows.length > 0 && !(b.dropLast ?? true)) yield flush();
  }
}
