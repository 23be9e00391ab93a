import { InputDataError } from '../../errors/twindb-error.js';

/** An image file that cannot be decoded: missing, empty, truncated or not an image. */
export class ImageReadError extends InputDataError {
  override name = 'ImageReadError';

  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot read image ${file}: ${reason}`);
  }
}
