import os from 'node:os';
import type { ImageU8 } from '../image.js';
import type { ImageRecord, ImageSource } from '../sources/image-source.js';
import { ImageReadError } from './image-read-error.js';
import { RejectedImages } from './rejected-images.js';

export interface DecodedImage {
  /** Position in the source. */
  index: number;
  record: ImageRecord;
  image: ImageU8;
}

export interface DecodeStreamOptions {
  /** Images decoded at the same time (default: 2 × cores, enough to keep libuv's pool busy). */
  concurrency?: number;
  /** Decoded images kept ready ahead of the consumer (default: 2 × concurrency). */
  prefetch?: number;
  /** Where unreadable images are recorded (default: a fresh log that warns on stderr). */
  rejected?: RejectedImages;
}

export function defaultDecodeConcurrency(): number {
  return 2 * (os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Decodes `indices` of a source in order while the consumer works: at most `concurrency` decodes run
 * at once and at most `prefetch` results wait, so a slow consumer stalls decoding instead of filling
 * memory (back-pressure). Unreadable images are skipped and logged; any other error stops the stream.
 */
export async function* decodeStream(
  source: ImageSource,
  indices: Iterable<number> = source.records.keys(),
  opts: DecodeStreamOptions = {},
): AsyncGenerator<DecodedImage> {
  const concurrency = Math.max(1, opts.concurrency ?? defaultDecodeConcurrency());
  const window = concurrency + Math.max(0, opts.prefetch ?? 2 * concurrency);
  const rejected = opts.rejected ?? new RejectedImages();
  const it = indices[Symbol.iterator]();
  const pending: { index: number; result: Promise<ImageU8 | ImageReadError> }[] = [];
  let running = 0;
  const waiters: (() => void)[] = [];
  const acquire = async () => {
    while (running >= concurrency) await new Promise<void>((r) => waiters.push(r));
    running++;
  };
  const release = () => {
    running--;
    waiters.shift()?.();
  };
  const launch = (index: number) => {
    const result = (async () => {
      await acquire();
      try {
        return await source.load(index);
      } catch (err) {
        if (err instanceof ImageReadError) return err;
        throw err;
      } finally {
        release();
      }
    })();
    // Errors are surfaced when the consumer reaches this image; this only silences early rejections.
    result.catch(() => undefined);
    pending.push({ index, result });
  };
  let done = false;
  const fill = () => {
    while (!done && pending.length < window) {
      const n = it.next();
      if (n.done) done = true;
      else launch(n.value);
    }
  };
  fill();
  let yielded = 0;
  let skipped = 0;
  while (pending.length > 0) {
    const head = pending.shift()!;
    const out = await head.result;
    fill();
    const record = source.records[head.index];
    if (out instanceof ImageReadError) {
      rejected.add({ id: record.id, path: record.path, reason: out.reason });
      skipped++;
      continue;
    }
    yielded++;
    yield { index: head.index, record, image: out };
  }
  if (yielded === 0 && skipped > 0) {
    throw new Error(`${source.name}: no readable image (${skipped} file(s) rejected, expected at least one decodable image)`);
  }
}
