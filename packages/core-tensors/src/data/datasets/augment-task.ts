import type { ImageU8 } from '../image.js';
import type { ImageFormat } from '../sources/image-source.js';
import type { TransformRecipe } from '../augment/strategies/transform-recipe.js';

/** What every augment worker is started with (its workerData). */
export interface AugmentWorkerInit {
  seed: number;
  standard: TransformRecipe;
  augment: TransformRecipe;
  /** The source's file format when the worker decodes files itself (ImageSource.fileFormat). */
  fileFormat?: ImageFormat;
}

/** One sample to make: its file to decode, or its pixels when the main thread decoded them. */
export interface AugmentTask {
  id: number;
  index: number;
  epoch: number;
  path?: string;
  image?: ImageU8;
}

/** A view as posted back: its buffer is transferred, not copied. */
export interface PostedView {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export type AugmentReply =
  /** Posted once when the worker has loaded its modules and built its transforms. */
  | { ready: true }
  | { id: number; ok: true; image: PostedView; augmented: PostedView }
  /** `readError` carries an ImageReadError across the thread boundary (classes do not survive cloning). */
  | { id: number; ok: false; message: string; stack?: string; readError?: { file: string; reason: string } };
