import type { Rng } from '../../math/random.js';
import type { ImageF32 } from '../image.js';

export interface CutoutParams {
  nHoles: number;
  /** Maximum length L; each image draws len ∈ {1..L} (the reference ignores its `random` flag). */
  length: number;
}

/**
 * SCAN's Cutout, on the normalised image (so a hole is the dataset's mean colour): len ~ U{1..L},
 * centre ~ U{0..H−1} × U{0..W−1}, zero rows [y − len//2, y + len//2) and the same columns, clipped.
 */
export function cutout(img: ImageF32, p: CutoutParams, rng: Rng): ImageF32 {
  const { width: w, height: h, channels: c } = img;
  const out = img.data.slice();
  const len = 1 + rng.int(p.length);
  const half = len >> 1;
  for (let k = 0; k < p.nHoles; k++) {
    const y = rng.int(h);
    const x = rng.int(w);
    const y1 = Math.max(0, y - half);
    const y2 = Math.min(h, y + half);
    const x1 = Math.max(0, x - half);
    const x2 = Math.min(w, x + half);
    for (let yy = y1; yy < y2; yy++) out.fill(0, (yy * w + x1) * c, (yy * w + x2) * c);
  }
  return { width: w, height: h, channels: c, data: out };
}
