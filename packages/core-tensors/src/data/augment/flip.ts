import type { ImageU8 } from '../image.js';

/** Mirror left–right. */
export function flipHorizontal(img: ImageU8): ImageU8 {
  const { width: w, height: h, channels: c } = img;
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    for (let x = 0; x < w; x++) {
      const s = row + x * c;
      const t = row + (w - 1 - x) * c;
      for (let ch = 0; ch < c; ch++) out[t + ch] = img.data[s + ch];
    }
  }
  return { width: w, height: h, channels: c, data: out };
}
