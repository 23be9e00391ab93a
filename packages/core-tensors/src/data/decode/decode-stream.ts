import os from 'node:os';
import { InputDataError } from '../../errors/twindb-error.js';
import type { ImageU8 } from '../image.js';
import type { ImageRecord, ImageSource } from '../sources/image-source.js';
import { boundedMap } from './bounded-map.js';
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
 * memory (back-pressure). Unreadable images are skipped and logged; any other error stops the stream,
 * and so does a stream in which no image at all could be read (an InputDataError, exit 3).
 */
export async function* decodeStream(
  source: ImageSource,
  indices: Iterable<number> = source.records.keys(),
  opts: DecodeStreamOptions = {},
): AsyncGenerator<DecodedImage> {
  const concurrency = opts.concurrency ?? defaultDecodeConcurrency();
  const rejected = opts.rejected ?? new RejectedImages();
  let yielded = 0;
  let skipped = 0;
  for await (const r of boundedMap(indices, (i) => source.load(i), { concurrency, prefetch: opts.prefetch ?? 2 * concurrency })) {
    const record = source.records[r.item];
    if (!r.ok) {
      if (!(r.error instanceof ImageReadError)) throw r.error;
      rejected.add({ id: record.id, path: record.path, reason: r.error.reason });
      skipped++;
      continue;
    }
    yielded++;
    yield { index: r.item, record, image: r.value };
  }
  if (yielded === 0 && skipped > 0) {
    throw new InputDataError(`${source.name}: no readable image (${skipped} file(s) rejected, expected at least one decodable image)`);
  }
}
