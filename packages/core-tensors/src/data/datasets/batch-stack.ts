import type { ImageF32 } from '../image.js';

/** Stacks same-shaped HWC float images into one NHWC buffer. */
export function stackImages(images: readonly ImageF32[], what: string): { data: Float32Array; shape: [number, number, number, number] } {
  const stacker = new BatchStacker(images.length, what, false);
  for (const img of images) stacker.push(img);
  return stacker.take();
}

/**
 * Builds NHWC batches one image at a time: each image is copied into its row as it arrives, so a
 * loader spreads the copying over the batch instead of stopping for it at the end (with workers
 * feeding the loader, a stop of tens of milliseconds at 96×96 left them without tasks), and the
 * per-image arrays die young.
 *
 * With `reuse`, batches take turns in two buffers: the batch returned by `take()` is overwritten
 * by the batch after the next one. A fresh buffer costs its page faults every time (a 28 MB batch:
 * ~100 ms on this project's VM, against ~5 ms reused).
 */
export class BatchStacker {
  private readonly buffers: Float32Array[] = [];
  private turn = 0;
  private current: Float32Array | null = null;
  private first: ImageF32 | null = null;
  private rows = 0;

  constructor(
    private readonly capacity: number,
    private readonly what: string,
    private readonly reuse: boolean,
  ) {}

  get length(): number {
    return this.rows;
  }

  push(img: ImageF32): void {
    const first = (this.first ??= img);
    if (img.width !== first.width || img.height !== first.height || img.channels !== first.channels) {
      throw new Error(
        `${this.what}: image ${this.rows} of the batch is ${img.width}×${img.height}×${img.channels} but the first is ${first.width}×${first.height}×${first.channels} (configure a fixed size)`,
      );
    }
    const per = first.data.length;
    this.current ??= this.buffer(per * this.capacity);
    this.current.set(img.data, this.rows * per);
    this.rows++;
  }

  /** The rows pushed since the last `take`, as one NHWC array, and a fresh start. */
  take(): { data: Float32Array; shape: [number, number, number, number] } {
    const first = this.first;
    if (!first || !this.current) throw new RangeError(`${this.what}: cannot stack an empty batch`);
    const data = this.current.subarray(0, this.rows * first.data.length);
    const shape: [number, number, number, number] = [this.rows, first.height, first.width, first.channels];
    this.current = null;
    this.first = null;
    this.rows = 0;
    return { data, shape };
  }

  private buffer(size: number): Float32Array {
    if (!this.reuse) return new Float32Array(size);
    const i = this.turn++ % 2;
    const b = this.buffers[i];
    if (b && b.length >= size) return b.subarray(0, size);
    this.buffers[i] = new Float32Array(size);
    return this.buffers[i];
  }
}
