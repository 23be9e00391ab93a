import { ImageReadError } from '../decode/image-read-error.js';
import { boundedMap } from '../decode/bounded-map.js';
import { defaultDecodeConcurrency } from '../decode/decode-stream.js';
import { RejectedImages } from '../decode/rejected-images.js';
import type { ImageF32, ImageU8 } from '../image.js';
import type { ImageTransform } from '../augment/transform.js';
import type { ImageSource } from '../sources/image-source.js';
import { augmentPoolTuning, AugmentWorkerPool } from './augment-worker-pool.js';
import { augmentViews } from './augment-views.js';
import { BatchStacker } from './batch-stack.js';
import { resolveDatasetWorkers, type DatasetWorkers } from './dataset-workers.js';
import { epochOrder } from './epoch-order.js';

/** Samples kept in flight per worker thread, at least. */
const TASKS_PER_WORKER = 8;

export interface AugmentedDatasetOptions {
  /**
   * One transform: both views are independent draws of it (SimCLR). Two: `image` = standard (e.g. the
   * val transform, the self-label weak view) and `augmented` = augment (the strong view).
   */
  transform: ImageTransform | { standard: ImageTransform; augment: ImageTransform };
  seed?: number;
  /** Images decoded at once (default 2 × cores); with workers, samples in flight (at least 8 per worker). */
  concurrency?: number;
  prefetch?: number;
  rejected?: RejectedImages;
  /**
   * Worker threads that decode and augment in `batches()` (DatasetWorkersSchema; default 'auto').
   * Batches are byte-identical for every value; workers only take the work off the main thread.
   */
  workers?: DatasetWorkers;
}

export interface AugmentedSample {
  index: number;
  image: ImageF32;
  augmented: ImageF32;
  /** Label id, −1 when unlabelled (metrics only; never used for training). */
  target: number;
}

export interface BatchOptions {
  batchSize: number;
  /** Default true (training loaders); false for evaluation order. */
  shuffle?: boolean;
  /** Default true (training loaders): a short last batch is dropped. */
  dropLast?: boolean;
  epoch?: number;
  /**
   * Default false. True: batches take turns in two buffer pairs, so batch n's `image` and
   * `augmented` are overwritten while batch n + 2 is made. For loops that are done with each batch
   * (copied into tensors) before asking for the one after next: a fresh batch buffer costs its
   * page faults every time (96×96, batch 256: ~100 ms for each 28 MB array on this project's VM,
   * against 5 ms for a reused one), and the loader's thread is the one that pays.
   */
  reuseBuffers?: boolean;
}

export interface AugmentedBatch {
  /** Source indices of the batch rows. */
  indices: Int32Array;
  targets: Int32Array;
  /** NHWC. */
  image: Float32Array;
  augmented: Float32Array;
  shape: [number, number, number, number];
}

/**
 * SCAN's AugmentedDataset: each sample is an image and an augmented view of it, both transformed
 * from the same decoded image with independent randomness derived from (seed, epoch, index).
 */
export class AugmentedDataset {
  readonly rejected: RejectedImages;
  private readonly standard: ImageTransform;
  private readonly augment: ImageTransform;
  private readonly seed: number;
  /** Worker threads `batches()` uses (0: decode and augment on the main thread). */
  readonly workers: number;

  constructor(
    readonly source: ImageSource,
    private readonly opts: AugmentedDatasetOptions,
  ) {
    const t = opts.transform;
    this.standard = typeof t === 'function' ? t : t.standard;
    this.augment = typeof t === 'function' ? t : t.augment;
    this.seed = opts.seed ?? 0;
    this.rejected = opts.rejected ?? new RejectedImages();
    this.workers = resolveDatasetWorkers(opts.workers, [this.standard, this.augment]);
  }

  get length(): number {
    return this.source.records.length;
  }

  async get(index: number, epoch = 0): Promise<AugmentedSample> {
    return this.make(index, epoch, await this.source.load(index));
  }

  private make(index: number, epoch: number, img: Parameters<ImageTransform>[0]): AugmentedSample {
    const { image, augmented } = augmentViews(this.standard, this.augment, this.seed, epoch, index, img);
    return { index, image, augmented, target: this.source.records[index].label ?? -1 };
  }

  /**
   * How one sample is made: on the main thread (decode, then augment as the consumer takes it), or
   * in a worker (decoding the file itself when the source is file-backed, else given the pixels).
   * Until a worker has started, samples are made here (augmentViews gives the same views anywhere).
   */
  private sampleMaker(epoch: number, pool: AugmentWorkerPool | undefined): (i: number) => Promise<AugmentedSample | { index: number; pending: ImageU8 }> {
    if (!pool) return async (i) => ({ index: i, pending: await this.source.load(i) });
    const fileFormat = this.source.fileFormat;
    return async (i) => {
      if (augmentPoolTuning.ownerWorksWhileStarting && !pool.ready()) return this.make(i, epoch, await this.source.load(i));
      const path = fileFormat ? this.source.records[i].path : undefined;
      const views = await pool.run(i, epoch, path !== undefined ? { path } : { image: await this.source.load(i) });
      return { index: i, ...views, target: this.source.records[i].label ?? -1 };
    };
  }

  /** One epoch of batches; images are decoded ahead (bounded) while the consumer trains. */
  async *batches(b: BatchOptions): AsyncGenerator<AugmentedBatch> {
    const epoch = b.epoch ?? 0;
    const order = epochOrder(this.length, this.seed, epoch, b.shuffle ?? true);
    // With workers, each keeps a few samples queued so that its decodes overlap its augmentation
    // (decode bench at 96×96, 2 workers: 563 images/s with 4 tasks per worker, 644 with 8).
    const concurrency = this.workers > 0 ? Math.max(this.opts.concurrency ?? 0, TASKS_PER_WORKER * this.workers) : (this.opts.concurrency ?? defaultDecodeConcurrency());
    const reuse = b.reuseBuffers ?? false;
    const images = new BatchStacker(b.batchSize, this.source.name, reuse);
    const augmenteds = new BatchStacker(b.batchSize, this.source.name, reuse);
    let indices: number[] = [];
    let targets: number[] = [];
    const push = (r: AugmentedSample) => {
      images.push(r.image);
      augmenteds.push(r.augmented);
      indices.push(r.index);
      targets.push(r.target);
    };
    const flush = (): AugmentedBatch => {
      const image = images.take();
      const out = { indices: Int32Array.from(indices), targets: Int32Array.from(targets), image: image.data, augmented: augmenteds.take().data, shape: image.shape };
      indices = [];
      targets = [];
      return out;
    };
    let any = false;
    const pool = this.workers > 0 ? this.startPool() : undefined;
    try {
      const make = this.sampleMaker(epoch, pool);
      for await (const r of boundedMap(order, make, { concurrency, prefetch: this.opts.prefetch ?? 2 * concurrency })) {
        if (!r.ok) {
          if (!(r.error instanceof ImageReadError)) throw r.error;
          const rec = this.source.records[r.item];
          this.rejected.add({ id: rec.id, path: rec.path, reason: r.error.reason });
          continue;
        }
        any = true;
        const v = r.value;
        push('pending' in v ? this.make(v.index, epoch, v.pending) : v);
        if (indices.length === b.batchSize) yield flush();
      }
      if (!any && this.length > 0) throw new Error(`${this.source.name}: no readable image in the dataset`);
      if (indices.length > 0 && !(b.dropLast ?? true)) yield flush();
    } finally {
      // Runs on the last batch, on an early `break` (the generator's return()) and on a thrown error alike.
      await pool?.close();
    }
  }

  private startPool(): AugmentWorkerPool {
    const recipe = (t: ImageTransform) => t.recipe!; // resolveDatasetWorkers allows workers only with recipes.
    return new AugmentWorkerPool(this.workers, {
      seed: this.seed,
      standard: recipe(this.standard),
      augment: recipe(this.augment),
      ...(this.source.fileFormat ? { fileFormat: this.source.fileFormat } : {}),
    });
  }
}
