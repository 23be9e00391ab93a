/**
 * Pixel buffers as the data layer passes them around. Images stay 8-bit until the end of an
 * augmentation pipeline because the SCAN reference's ops are defined on 8-bit PIL images (clipping and
 * truncation after every op change the result); the pipeline's last step turns them into float32.
 * Layout is always HWC, row-major, which is what the models take as NHWC.
 */
export interface ImageU8 {
  readonly width: number;
  readonly height: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: number;
  readonly data: Uint8Array;
}

/** A float image, usually normalised ((x/255 − mean)/std); HWC like ImageU8. */
export interface ImageF32 {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
}

export function createImageU8(width: number, height: number, channels: number, data?: Uint8Array): ImageU8 {
  const n = width * height * channels;
  if (data && data.length !== n) {
    throw new RangeError(`image buffer has ${data.length} bytes, expected ${width}×${height}×${channels} = ${n}`);
  }
  return { width, height, channels, data: data ?? new Uint8Array(n) };
}

/** Grey → RGB by replication, RGB → grey by ITU-R 601 luma (PIL's "L" conversion). */
export function toChannels(img: ImageU8, channels: 1 | 3): ImageU8 {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * channels);
  const src = img.data;
  if (img.channels === 1 && channels === 3) {
    for (let i = 0, j = 0; i < n; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = src[i];
  } else if (img.channels === 3 && channels === 1) {
    for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = luma(src[j], src[j + 1], src[j + 2]);
  } else {
    throw new RangeError(`cannot convert a ${img.channels}-channel image to ${channels} channels`);
  }
  return { width: img.width, height: img.height, channels, data: out };
}

/** PIL's RGB → L: fixed-point 0.299 R + 0.587 G + 0.114 B, rounded. */
export function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/** The luma plane of an image (the plane itself for a grey image). */
export function lumaPlane(img: ImageU8): Uint8Array {
  if (img.channels === 1) return img.data;
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = luma(d[j], d[j + 1], d[j + 2]);
  return out;
}

/** x/255 into a new float image (ToTensor without the layout change). */
export function toFloat01(img: ImageU8): ImageF32 {
  const out = new Float32Array(img.data.length);
  const d = img.data;
  for (let i = 0; i < d.length; i++) out[i] = d[i] / 255;
  return { width: img.width, height: img.height, channels: img.channels, data: out };
}
