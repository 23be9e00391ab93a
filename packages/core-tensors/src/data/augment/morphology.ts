import type { ImageF32 } from '../image.js';

/** 3×3 grey dilation (max) or erosion (min) per channel; the border uses the pixels that exist. */
export function morph3x3(img: ImageF32, mode: 'dilate' | 'erode'): ImageF32 {
  const { width: w, height: h, channels: c, data } = img;
  const out = new Float32Array(data.length);
  const pick = mode === 'dilate' ? Math.max : Math.min;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let v = data[(y * w + x) * c + ch];
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            v = pick(v, data[(yy * w + xx) * c + ch]);
          }
        }
        out[(y * w + x) * c + ch] = v;
      }
    }
  }
  return { width: w, height: h, channels: c, data: out };
}
