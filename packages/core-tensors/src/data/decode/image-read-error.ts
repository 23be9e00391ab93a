/** An image file that cannot be decoded: missing, empty, truncated or not an image. */
export class ImageReadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot read image ${file}: ${reason}`);
    this.name = 'ImageReadError';
  }
}
