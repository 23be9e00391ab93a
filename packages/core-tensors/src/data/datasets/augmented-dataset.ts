import { ImageReadError } from '../decode/image-read-error.js';
import { boundedMap } from '../decode/bounded-map.js';
import { defaultDecodeConcurrency } from '../decode/decode-stream.js';
import { RejectedImages } from '../decode/rejected-images.js';
import type { ImageF32 } from '../image.js';
import type { ImageTransform } from '../augment/transform.js';
import type { ImageSource } from '../sources/image-source.js';
import { stackImages } from './batch-stack.js';
import { epochOrder, sampleRng } from './epoch-order.js';

export interface AugmentedDatasetOptions {
  /**
   * One transform: both views are independent draws of it (SimCLR). Two: `image` = standard (e.g. the
   * val transform, the self-label weak view) and `augmented` = augment (the strong view).
   */
  transform: ImageTransform | { standard: ImageTransform; augment: ImageTransform };
  seed?: number;
  concurrency?: number;
  prefetch?: number;
  rejected?: RejectedImages;
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

  constructor(
    readonly source: ImageSource,
    private readonly opts: AugmentedDatasetOptions,
  ) {
    const t = opts.transform;
    this.standard = typeof t === 'function' ? t : t.standard;
    this.augment = typeof t === 'function' ? t : t.augment;
    this.seed = opts.seed ?? 0;
    this.rejected = opts.rejected ?? new RejectedImages();
  }

  get length(): number {
    return this.source.records.length;
  }

  async get(index: number, epoch = 0): Promise<AugmentedSample> {
    return this.make(index, epoch, await this.source.load(index));
  }

  private make(index: number, epoch: number, img: Parameters<ImageTransform>[0]): AugmentedSample {
    const rng = sampleRng(this.seed, epoch, index);
    const image = this.standard(img, rng);
    const augmented = this.augment(img, rng);
    return { index, image, augmented, target: this.source.records[index].label ?? -1 };
  }

  /** One epoch of batches; images are decoded ahead (bounded) while the consumer trains. */
  async *batches(b: BatchOptions): AsyncGenerator<AugmentedBatch> {
    const epoch = b.epoch ?? 0;
    const order = epochOrder(this.length, this.seed, epoch, b.shuffle ?? true);
    const concurrency = this.opts.concurrency ?? defaultDecodeConcurrency();
    let rows: AugmentedSample[] = [];
    const flush = (): AugmentedBatch => {
      const image = stackImages(rows.map((r) => r.image), this.source.name);
      const augmented = stackImages(rows.map((r) => r.augmented), this.source.name);
      const out = {
        indices: Int32Array.from(rows, (r) => r.index),
        targets: Int32Array.from(rows, (r) => r.target),
        image: image.data,
        augmented: augmented.data,
        shape: image.shape,
      };
      rows = [];
      return out;
    };
    let any = false;
    for await (const r of boundedMap(order, (i) => this.source.load(i), { concurrency, prefetch: this.opts.prefetch ?? 2 * concurrency })) {
      if (!r.ok) {
        if (!(r.error instanceof ImageReadError)) throw r.error;
        const rec = this.source.records[r.item];
        this.rejected.add({ id: rec.id, path: rec.path, reason: r.error.reason });
        continue;
      }
      any = true;
      rows.push(this.make(r.item, epoch, r.value));
      if (rows.length === b.batchSize) yield flush();
    }
    if (!any && this.length > 0) throw new Error(`${this.source.name}: no readable image in the dataset`);
    if (rows.length > 0 && !(b.dropLast ?? true)) yield flush();
  }
}
