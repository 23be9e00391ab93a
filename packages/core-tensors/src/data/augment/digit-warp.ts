import type { Rng } from '../../math/random.js';
import type { ImageF32, ImageU8 } from '../image.js';
import { sampleResizedCropBox, type ResizedCropParams } from './random-resized-crop.js';

/**
 * One affine warp per view for digits (mnist-anchor.md): a random resized crop combined with a
 * rotation about the crop centre, sampled bilinearly with zero fill, into an outW × outH image in
 * [0, 1]. Folding both into one warp interpolates once, which keeps thin strokes sharp.
 */
export function randomCropRotate(
  img: ImageU8,
  outW: number,
  outH: number,
  crop: ResizedCropParams,
  maxDegrees: number,
  rng: Rng,
): ImageF32 {
  const box = sampleResizedCropBox(img.width, img.height, crop, rng);
  const theta = (rng.uniform(-maxDegrees, maxDegrees) * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const sx = box.width / outW;
  const sy = box.height / outH;
  const mx = box.left + box.width / 2;
  const my = box.top + box.height / 2;
  const { width: W, height: H, channels: c, data } = img;
  const out = new Float32Array(outW * outH * c);
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      // Offset from the crop centre in input pixels, then rotated.
      const dx = (u + 0.5 - outW / 2) * sx;
      const dy = (v + 0.5 - outH / 2) * sy;
      const px = mx + cos * dx - sin * dy - 0.5;
      const py = my + sin * dx + cos * dy - 0.5;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      for (let ch = 0; ch < c; ch++) {
        const at = (x: number, y: number) => (x < 0 || y < 0 || x >= W || y >= H ? 0 : data[(y * W + x) * c + ch]);
        const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
        const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
        out[(v * outW + u) * c + ch] = (top * (1 - fy) + bottom * fy) / 255;
      }
    }
  }
  return { width: outW, height: outH, channels: c, data: out };
}
