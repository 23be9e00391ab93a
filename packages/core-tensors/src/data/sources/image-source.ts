import type { RejectedImage } from '../decode/rejected-images.js';
import type { ImageU8 } from '../image.js';

/** One image of a DB. `id` is unique within the DB and stable across runs (relative path, list id, index). */
export interface ImageRecord {
  readonly id: string;
  /** Absolute file path, for file-backed sources. */
  readonly path?: string;
  /** Class index into `classNames` (when known), undefined for unlabelled images. */
  readonly label?: number;
}

/**
 * A DB: its records and a way to decode each. `load` rejects with an ImageReadError for an unreadable
 * file; callers that must not stop (extraction, training) go through the decode pipeline, which skips
 * and logs such files.
 */
export interface ImageSource {
  /** The spec string the source was opened from, for messages and run records. */
  readonly name: string;
  readonly records: readonly ImageRecord[];
  /** Names of the label ids, when the source has named classes. */
  readonly classNames?: readonly string[];
  /**
   * Entries found but not made records while opening (a folder walk's symlink loops, a second path
   * to a file already listed): steps add them to their `rejected.csv`.
   */
  readonly skipped?: readonly RejectedImage[];
  load(index: number): Promise<ImageU8>;
}

/** How images come out of a source: fixed size (or native), channel count. */
export interface ImageFormat {
  /** Output side in pixels (square), or [width, height]; undefined keeps the native size. */
  size?: number | readonly [number, number];
  /** crop: resize the shorter side then centre-crop; pad: fit inside then pad with black; stretch: ignore aspect. */
  fit?: 'crop' | 'pad' | 'stretch';
  /** 3 (default): grey images are replicated; 1: colour images are converted to luma. */
  channels?: 1 | 3;
}

export function formatSize(format: ImageFormat): [number, number] | undefined {
  const s = format.size;
  if (s === undefined) return undefined;
  return typeof s === 'number' ? [s, s] : [s[0], s[1]];
}
