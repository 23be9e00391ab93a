import type { ImageU8 } from '../image.js';

/**
 * Pillow's Image.transform(AFFINE, (a, b, c, d, e, f), NEAREST) with black fill: output pixel (x, y)
 * takes the input pixel at (a·x' + b·y' + c, d·x' + e·y' + f) with x' = x + ½, y' = y + ½, coordinates
 * truncated (negative → outside).
 */
export function affineNearest(img: ImageU8, m: readonly [number, number, number, number, number, number]): ImageU8 {
  const { width: w, height: h, channels: c, data } = img;
  const [a, b, cc, d, e, f] = m;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xf = a * (x + 0.5) + b * (y + 0.5) + cc;
      const yf = d * (x + 0.5) + e * (y + 0.5) + f;
      if (xf < 0 || yf < 0) continue;
      const xi = Math.trunc(xf);
      const yi = Math.trunc(yf);
      if (xi >= w || yi >= h) continue;
      const s = (yi * w + xi) * c;
      const t = (y * w + x) * c;
      for (let ch = 0; ch < c; ch++) out[t + ch] = data[s + ch];
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

/** Pillow rotate(deg): counter-clockwise about (W/2, H/2), same size, nearest, black fill. */
export function rotate(img: ImageU8, degrees: number): ImageU8 {
  if (degrees % 360 === 0) return { ...img, data: img.data.slice() };
  const angle = (-degrees * Math.PI) / 180;
  const r15 = (v: number) => Math.round(v * 1e15) / 1e15;
  const a = r15(Math.cos(angle));
  const b = r15(Math.sin(angle));
  const d = -b;
  const e = a;
  const cx = img.width / 2;
  const cy = img.height / 2;
  const c = a * -cx + b * -cy + cx;
  const f = d * -cx + e * -cy + cy;
  return affineNearest(img, [a, b, c, d, e, f]);
}

/** Output (x, y) samples input (x + v·y, y). */
export function shearX(img: ImageU8, v: number): ImageU8 {
  return affineNearest(img, [1, v, 0, 0, 1, 0]);
}

/** Output (x, y) samples input (x, y + v·x). */
export function shearY(img: ImageU8, v: number): ImageU8 {
  return affineNearest(img, [1, 0, 0, v, 1, 0]);
}

/** Output (x, y) samples input (x + v·W, y): the content moves left for v > 0. v is a fraction of the width. */
export function translateX(img: ImageU8, v: number): ImageU8 {
  return affineNearest(img, [1, 0, v * img.width, 0, 1, 0]);
}

/** Output (x, y) samples input (x, y + v·H). */
export function translateY(img: ImageU8, v: number): ImageU8 {
  return affineNearest(img, [1, 0, 0, 0, 1, v * img.height]);
}
