import type { ImageU8 } from '../image.js';
import { luma, lumaPlane } from '../image.js';

/**
 * Pillow's ImageEnhance family: blend a "degenerate" image with the input, out = d + f·(x − d),
 * truncated to 8 bits (and clipped when extrapolating, f > 1). f = 1 is the identity, f = 0 the
 * degenerate image.
 */
export function blendWith(img: ImageU8, degenerate: (i: number) => number, f: number): ImageU8 {
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const g = degenerate(i);
    const v = g + f * (d[i] - g);
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
  }
  return { width: img.width, height: img.height, channels: img.channels, data: out };
}

/** Brightness: blend with black (x·f). */
export function adjustBrightness(img: ImageU8, f: number): ImageU8 {
  return blendWith(img, () => 0, f);
}

/** Contrast: blend with a grey image at the rounded mean luma. */
export function adjustContrast(img: ImageU8, f: number): ImageU8 {
  const L = lumaPlane(img);
  let s = 0;
  for (let i = 0; i < L.length; i++) s += L[i];
  const mean = Math.trunc(s / L.length + 0.5);
  return blendWith(img, () => mean, f);
}

/** Saturation (Pillow "Color"): blend with the luma image. */
export function adjustSaturation(img: ImageU8, f: number): ImageU8 {
  if (img.channels === 1) return blendWith(img, (i) => img.data[i], f);
  const d = img.data;
  const L = new Uint8Array(d.length / 3);
  for (let p = 0, j = 0; p < L.length; p++, j += 3) L[p] = luma(d[j], d[j + 1], d[j + 2]);
  return blendWith(img, (i) => L[(i / 3) | 0], f);
}

/** Sharpness: blend with Pillow's SMOOTH filter ([1 1 1; 1 5 1; 1 1 1]/13, border pixels unfiltered). */
export function adjustSharpness(img: ImageU8, f: number): ImageU8 {
  const smooth = smoothFilter(img);
  return blendWith(img, (i) => smooth[i], f);
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
