import type { ImageU8 } from '../image.js';
import { applyLut } from './transform.js';

function histograms(img: ImageU8): Int32Array[] {
  const c = img.channels;
  const h = Array.from({ length: c }, () => new Int32Array(256));
  for (let i = 0; i < img.data.length; i++) h[i % c][img.data[i]]++;
  return h;
}

/** Pillow ImageOps.autocontrast (cutoff 0): per channel, stretch [min, max] to [0, 255]. */
export function autoContrast(img: ImageU8): ImageU8 {
  const luts = histograms(img).map((h) => {
    let lo = 0;
    while (lo < 256 && h[lo] === 0) lo++;
    let hi = 255;
    while (hi >= 0 && h[hi] === 0) hi--;
    const lut = new Uint8Array(256);
    if (hi <= lo) {
      for (let i = 0; i < 256; i++) lut[i] = i;
    } else {
      const scale = 255 / (hi - lo);
      const offset = -lo * scale;
      for (let i = 0; i < 256; i++) lut[i] = Math.max(0, Math.min(255, Math.trunc(i * scale + offset)));
    }
    return lut;
  });
  return applyLut(img, luts);
}

/** Pillow ImageOps.equalize: per-channel histogram equalisation with Pillow's LUT construction. */
export function equalize(img: ImageU8): ImageU8 {
  const luts = histograms(img).map((h) => {
    const lut = new Uint8Array(256);
    let total = 0;
    let last = 0;
    let nonZero = 0;
    for (let i = 0; i < 256; i++) {
      if (h[i]) {
        total += h[i];
        last = h[i];
        nonZero++;
      }
    }
    const step = nonZero <= 1 ? 0 : Math.floor((total - last) / 255);
    if (step === 0) {
      for (let i = 0; i < 256; i++) lut[i] = i;
      return lut;
    }
    let n = Math.floor(step / 2);
    for (let i = 0; i < 256; i++) {
      lut[i] = Math.min(255, Math.floor(n / step));
      n += h[i];
    }
    return lut;
  });
  return applyLut(img, luts);
}
