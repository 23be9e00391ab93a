import type { ImageU8 } from '../image.js';
import { luma, lumaPlane } from '../image.js';

/**
 * Pillow's ImageEnhance family: blend a "degenerate" image with the input, out = d + f·(x − d),
 * truncated to 8 bits (and clipped when extrapolating, f > 1). f = 1 is the identity, f = 0 the
 * degenerate image.
 */
function blend8(g: number, x: number, f: number): number {
  const v = g + f * (x - g);
  return v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
}

/** Blend with a constant grey level: one 256-entry table serves every pixel. */
function blendConstant(img: ImageU8, g: number, f: number): ImageU8 {
  const lut = new Uint8Array(256);
  for (let x = 0; x < 256; x++) lut[x] = blend8(g, x, f);
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = lut[d[i]];
  return { width: img.width, height: img.height, channels: img.channels, data: out };
}

/** Blend with a degenerate image given per byte. */
export function blendWith(img: ImageU8, degenerate: ArrayLike<number>, f: number): ImageU8 {
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = blend8(degenerate[i], d[i], f);
  return { width: img.width, height: img.height, channels: img.channels, data: out };
}

/** Brightness: blend with black (x·f). */
export function adjustBrightness(img: ImageU8, f: number): ImageU8 {
  return blendConstant(img, 0, f);
}

/** Contrast: blend with a grey image at the rounded mean luma. */
export function adjustContrast(img: ImageU8, f: number): ImageU8 {
  const L = lumaPlane(img);
  let s = 0;
  for (let i = 0; i < L.length; i++) s += L[i];
  return blendConstant(img, Math.trunc(s / L.length + 0.5), f);
}

/** Saturation (Pillow "Color"): blend with the luma image. */
export function adjustSaturation(img: ImageU8, f: number): ImageU8 {
  if (img.channels === 1) return { ...img, data: img.data.slice() };
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let j = 0; j < d.length; j += 3) {
    const L = luma(d[j], d[j + 1], d[j + 2]);
    out[j] = blend8(L, d[j], f);
    out[j + 1] = blend8(L, d[j + 1], f);
    out[j + 2] = blend8(L, d[j + 2], f);
  }
  return { width: img.width, height: img.height, channels: 3, data: out };
}

/** Sharpness: blend with Pillow's SMOOTH filter ([1 1 1; 1 5 1; 1 1 1]/13, border pixels unfiltered). */
export function adjustSharpness(img: ImageU8, f: number): ImageU8 {
  return blendWith(img, smoothFilter(img), f);
}

export function smoothFilter(img: ImageU8): Uint8Array {
  const { width: w, height: h, channels: c, data: d } = img;
  const out = d.slice();
  const row = w * c;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let ch = 0; ch < c; ch++) {
        const i = y * row + x * c + ch;
        const s = d[i - row - c] + d[i - row] + d[i - row + c] + d[i - c] + 5 * d[i] + d[i + c] + d[i + row - c] + d[i + row] + d[i + row + c];
        out[i] = Math.min(255, Math.round(s / 13));
      }
    }
  }
  return out;
}

/** Luma replicated to the image's channels (torchvision Grayscale with the input's channel count). */
export function grayscale(img: ImageU8): ImageU8 {
  if (img.channels === 1) return { ...img, data: img.data.slice() };
  const L = lumaPlane(img);
  const out = new Uint8Array(img.data.length);
  for (let p = 0, j = 0; p < L.length; p++, j += 3) out[j] = out[j + 1] = out[j + 2] = L[p];
  return { width: img.width, height: img.height, channels: 3, data: out };
}
