import type { ImageF32, ImageU8 } from '../image.js';

export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/** ToTensor + Normalize: (x/255 − mean[c]) / std[c], HWC. A single mean/std applies to every channel. */
export function normalize(img: ImageU8, n: Normalization): ImageF32 {
  const c = img.channels;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    const m = n.mean.length === 1 ? n.mean[0] : n.mean[ch];
    const s = n.std.length === 1 ? n.std[0] : n.std[ch];
    if (m === undefined || !(s > 0)) {
      throw new RangeError(`normalisation needs ${c} means and positive stds (or one of each), got mean ${JSON.stringify(n.mean)} std ${JSON.stringify(n.std)}`);
    }
    scale[ch] = 1 / (255 * s);
    shift[ch] = -m / s;
  }
  const d = img.data;
  const out = new Float32Array(d.length);
  if (c === 3) {
    const [s0, s1, s2] = scale;
    const [t0, t1, t2] = shift;
    for (let i = 0; i < d.length; i += 3) {
      out[i] = d[i] * s0 + t0;
      out[i + 1] = d[i + 1] * s1 + t1;
      out[i + 2] = d[i + 2] * s2 + t2;
    }
  } else {
    for (let i = 0; i < d.length; i += c) {
      for (let ch = 0; ch < c; ch++) out[i + ch] = d[i + ch] * scale[ch] + shift[ch];
    }
  }
  return { width: img.width, height: img.height, channels: c, data: out };
}

/** The inverse, back to 8 bits (for looking at augmented views). */
export function denormalize(img: ImageF32, n: Normalization): ImageU8 {
  const c = img.channels;
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const ch = i % c;
    const m = n.mean.length === 1 ? n.mean[0] : n.mean[ch];
    const s = n.std.length === 1 ? n.std[0] : n.std[ch];
    out[i] = Math.max(0, Math.min(255, Math.round((img.data[i] * s + m) * 255)));
  }
  return { width: img.width, height: img.height, channels: c, data: out };
}
