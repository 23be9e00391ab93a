import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import type { ImageU8 } from '../image.js';
import { resampleBilinear } from './resample.js';

describe('resampleBilinear', () => {
  it('equals the plain accumulate-every-tap form (its unrolled 2- and 3-tap vertical passes change no byte)', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 400; t++) {
      const W = 1 + rng.int(100);
      const H = 1 + rng.int(100);
      const c = rng.next() < 0.2 ? 1 : 3;
      const img: ImageU8 = { width: W, height: H, channels: c, data: Uint8Array.from({ length: W * H * c }, () => rng.int(256)) };
      const x0 = rng.int(W);
      const y0 = rng.int(H);
      const box = [x0, y0, x0 + 1 + rng.int(W - x0), y0 + 1 + rng.int(H - y0)] as const;
      const ow = 1 + rng.int(110);
      const oh = 1 + rng.int(110);
      expect(Buffer.from(resampleBilinear(img, ow, oh, box).data).equals(Buffer.from(referenceResample(img, ow, oh, box).data)), `case ${t}`).toBe(true);
    }
  });
});

/**
 * resampleBilinear before its vertical pass was unrolled: one Float64 accumulator row, every tap in
 * a loop. The horizontal pass is the production one (a resize to the full source height, which skips
 * the vertical pass), since only the vertical pass changed.
 */
function referenceResample(
  img: ImageU8,
  outWidth: number,
  outHeight: number,
  box: readonly [number, number, number, number] = [0, 0, img.width, img.height],
): ImageU8 {
  const [x0, y0, x1, y1] = box;
  const c = img.channels;
  const src = resampleBilinear(img, outWidth, img.height, [x0, 0, x1, img.height]);
  if (outHeight === y1 - y0 && y0 === 0 && y1 === img.height) return src;
  const { bounds, weights, ksize } = refCoefficients(img.height, y0, y1, outHeight);
  const rowLen = src.width * c;
  const out = new Uint8Array(rowLen * outHeight);
  const acc = new Float64Array(rowLen);
  const d = src.data;
  for (let y = 0; y < outHeight; y++) {
    const lo = bounds[2 * y];
    const n = bounds[2 * y + 1];
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      const wgt = weights[y * ksize + i];
      const base = (lo + i) * rowLen;
      for (let xc = 0; xc < rowLen; xc++) acc[xc] += d[base + xc] * wgt;
    }
    const rowOut = y * rowLen;
    for (let xc = 0; xc < rowLen; xc++) out[rowOut + xc] = refClip8(acc[xc]);
  }
  return { width: src.width, height: outHeight, channels: c, data: out };
}

function refClip8(v: number): number {
  // Values are ≥ −0 here up to rounding noise; +0.5 then truncation is round-half-up.
  const r = (v + 0.5) | 0;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

interface RefCoefficients {
  bounds: Int32Array;
  weights: Float64Array;
  ksize: number;
}

/** Pillow's precompute_coeffs for the triangle filter (support 1). */
function refCoefficients(inSize: number, in0: number, in1: number, outSize: number): RefCoefficients {
  const scale = (in1 - in0) / outSize;
  const filterscale = Math.max(1, scale);
  const support = filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Float64Array(outSize * ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      weights[xx * ksize + x] = w;
      ww += w;
    }
    if (ww !== 0) for (let x = 0; x < xmax; x++) weights[xx * ksize + x] /= ww;
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = Math.max(0, xmax);
  }
  return { bounds, weights, ksize };
}
