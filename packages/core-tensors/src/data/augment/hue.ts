import type { ImageU8 } from '../image.js';

/**
 * torchvision adjust_hue on a PIL image: to 8-bit HSV (Pillow's rgb2hsv), add trunc(h·255) to H
 * modulo 256, back to RGB (Pillow's hsv2rgb). h ∈ [−0.5, 0.5]; h = 0 is the identity.
 *
 * It is the costliest op of the SimCLR colour jitter, so every quantity that depends on at most two
 * bytes comes from a table built once (saturation byte, the p term, each hue's sector and fraction),
 * and a pixel only computes the one of q/t its sector uses. The floating-point expressions are those
 * of the direct formulas, so the bytes are unchanged (hue.test.ts checks all 2^24 colours).
 */
export function adjustHue(img: ImageU8, h: number): ImageU8 {
  if (img.channels === 1 || h === 0) return { ...img, data: img.data.slice() };
  const shift = ((Math.trunc(h * 255) % 256) + 256) % 256;
  const { sat, pTerm, sector, frac } = tables();
  const d = img.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i];
    const g = d[i + 1];
    const b = d[i + 2];
    const maxc = r > g ? (r > b ? r : b) : g > b ? g : b;
    const minc = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (maxc === minc) {
      out[i] = out[i + 1] = out[i + 2] = maxc;
      continue;
    }
    const us = sat[((maxc - minc) << 8) | maxc];
    if (us === 0) {
      out[i] = out[i + 1] = out[i + 2] = maxc;
      continue;
    }
    const hs = (rgbHueByte(r, g, b, maxc, minc) + shift) & 255;
    const v = maxc;
    const p = pTerm[(us << 8) | v];
    const f = frac[hs];
    const fs = us / 255;
    switch (sector[hs]) {
      case 0: out[i] = v; out[i + 1] = Math.round(v * (1 - fs * (1 - f))); out[i + 2] = p; break;
      case 1: out[i] = Math.round(v * (1 - fs * f)); out[i + 1] = v; out[i + 2] = p; break;
      case 2: out[i] = p; out[i + 1] = v; out[i + 2] = Math.round(v * (1 - fs * (1 - f))); break;
      case 3: out[i] = p; out[i + 1] = Math.round(v * (1 - fs * f)); out[i + 2] = v; break;
      case 4: out[i] = Math.round(v * (1 - fs * (1 - f))); out[i + 1] = p; out[i + 2] = v; break;
      default: out[i] = v; out[i + 1] = p; out[i + 2] = Math.round(v * (1 - fs * f)); break;
    }
  }
  return { width: img.width, height: img.height, channels: 3, data: out };
}

/** Pillow rgb2hsv's hue byte of a non-grey pixel (only the two ratios its max channel needs). */
export function rgbHueByte(r: number, g: number, b: number, maxc: number, minc: number): number {
  const cr = maxc - minc;
  let hh = r === maxc ? (maxc - b) / cr - (maxc - g) / cr : g === maxc ? 2 + (maxc - r) / cr - (maxc - b) / cr : 4 + (maxc - g) / cr - (maxc - r) / cr;
  hh = hh / 6 + 1;
  if (hh >= 1) hh -= 1;
  const uh = Math.trunc(hh * 255);
  return uh < 0 ? 0 : uh > 255 ? 255 : uh;
}

interface HueTables {
  /** Saturation byte by (max − min) << 8 | max: trunc((max − min)/max · 255). */
  sat: Uint8Array;
  /** round(v·(1 − s/255)) by s << 8 | v. */
  pTerm: Uint8Array;
  /** floor(6h/255) mod 6 and 6h/255 − floor(6h/255), by hue byte h. */
  sector: Uint8Array;
  frac: Float64Array;
}

let cached: HueTables | undefined;

function tables(): HueTables {
  if (cached) return cached;
  const sat = new Uint8Array(1 << 16);
  for (let cr = 1; cr < 256; cr++) for (let m = cr; m < 256; m++) sat[(cr << 8) | m] = Math.min(255, Math.trunc((cr / m) * 255));
  const pTerm = new Uint8Array(1 << 16);
  for (let s = 0; s < 256; s++) for (let v = 0; v < 256; v++) pTerm[(s << 8) | v] = Math.round(v * (1 - s / 255));
  const sector = new Uint8Array(256);
  const frac = new Float64Array(256);
  for (let h = 0; h < 256; h++) {
    const i = Math.floor((h * 6) / 255);
    sector[h] = i % 6;
    frac[h] = (h * 6) / 255 - i;
  }
  cached = { sat, pTerm, sector, frac };
  return cached;
}
