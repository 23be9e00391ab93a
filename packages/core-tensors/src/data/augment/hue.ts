import type { ImageU8 } from '../image.js';

/**
 * torchvision adjust_hue on a PIL image: to 8-bit HSV (Pillow's rgb2hsv), add trunc(h·255) to H
 * modulo 256, back to RGB (Pillow's hsv2rgb). h ∈ [−0.5, 0.5]; h = 0 is the identity.
 */
export function adjustHue(img: ImageU8, h: number): ImageU8 {
  if (img.channels === 1 || h === 0) return { ...img, data: img.data.slice() };
  const shift = ((Math.trunc(h * 255) % 256) + 256) % 256;
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
    const cr = maxc - minc;
    const rc = (maxc - r) / cr;
    const gc = (maxc - g) / cr;
    const bc = (maxc - b) / cr;
    let hh = r === maxc ? bc - gc : g === maxc ? 2 + rc - bc : 4 + gc - rc;
    hh = hh / 6 + 1;
    if (hh >= 1) hh -= 1;
    const uh = clip8(Math.trunc(hh * 255));
    const us = clip8(Math.trunc((cr / maxc) * 255));
    hsvToRgb((uh + shift) & 255, us, maxc, out, i);
  }
  return { width: img.width, height: img.height, channels: 3, data: out };
}

function hsvToRgb(h: number, s: number, v: number, out: Uint8Array, o: number): void {
  if (s === 0) {
    out[o] = out[o + 1] = out[o + 2] = v;
    return;
  }
  const i = Math.floor((h * 6) / 255);
  const f = (h * 6) / 255 - i;
  const fs = s / 255;
  const p = clip8(Math.round(v * (1 - fs)));
  const q = clip8(Math.round(v * (1 - fs * f)));
  const t = clip8(Math.round(v * (1 - fs * (1 - f))));
  let r = v;
  let g = t;
  let b = p;
  switch (i % 6) {
    case 1: r = q; g = v; b = p; break;
    case 2: r = p; g = v; b = t; break;
    case 3: r = p; g = q; b = v; break;
    case 4: r = t; g = p; b = v; break;
    case 5: r = v; g = p; b = q; break;
  }
  out[o] = r;
  out[o + 1] = g;
  out[o + 2] = b;
}

function clip8(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : x;
}
