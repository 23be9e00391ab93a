import type { RejectedImage } from '../decode/rejected-images.js';
import type { ImageU8 } from '../image.js';

/** One image of a DB. `id` is unique within the DB and stable across runs (relative path, list id, index). */
export interface ImageRecord {
  readonly id: string;
  /** Absolute file path, for file-backed sources. */
  readonly path?: string;
  /** Class index into `classNames` (when known), undefined for unlabelled images. */
  readonly label?: number;
  /**
   * Object class names of the image, one per annotated object instance in annotation order (VOC
   * `<object><name>`; the distinct names are its multi-label set). Undefined when the image has no
   * (readable) annotation; empty when the annotation lists no object.
   */
  readonly objects?: readonly string[];
  /** Scalar fields of the image's annotation (VOC: `weather`, `time_zone`, `road`, …), when it has one. */
  readonly meta?: Readonly<Record<string, string>>;
  /**
   * A file besides the image that describes it (VOC `Annotations/<name>.xml`), present or not: the
   * DB fingerprint covers its size and mtime, so an edited annotation makes outputs stale.
   */
  readonly annotationPath?: string;
}

/** An annotation file that could not be read or parsed: its image stays, without objects or metadata. */
export interface AnnotationProblem {
  /** Id of the image it belongs to. */
  readonly id: string;
  readonly path: string;
  /** 1-based line of the problem, when known. */
  readonly line?: number;
  readonly reason: string;
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
  /**
   * True when records may carry `objects` and `meta` (an annotated DB, e.g. `voc:`): extract then
   * writes the feature file's `labels` and `meta` columns.
   */
  readonly annotated?: boolean;
  /** Annotation files skipped while opening (each already reported by a warning naming it). */
  readonly annotationProblems?: readonly AnnotationProblem[];
  /**
   * Set when `load(i)` is exactly `decodeImageFile(records[i].path, fileFormat)`: a worker thread can
   * then decode the file itself instead of the main thread decoding and posting the pixels.
   */
  readonly fileFormat?: ImageFormat;
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
