import type { ImageU8 } from '../image.js';
import { applyLut } from './transform.js';

/** Pixels at or above the threshold are inverted (threshold 256 = identity). */
export function solarize(img: ImageU8, threshold: number): ImageU8 {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i < threshold ? i : 255 - i;
  return applyLut(img, lut);
}

/** Keep the top `bits` bits of each channel (8 = identity). */
export function posterize(img: ImageU8, bits: number): ImageU8 {
  const b = Math.max(0, Math.min(8, Math.trunc(bits)));
  const mask = ~((1 << (8 - b)) - 1) & 0xff;
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i & mask;
  return applyLut(img, lut);
}
