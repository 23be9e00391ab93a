import { describe, expect, it } from 'vitest';
import { adjustHue } from './hue.js';

/** Pillow's rgb2hsv → shift → hsv2rgb written out directly (the formulas adjustHue's tables come from). */
function referenceHue(d: Uint8Array, h: number): Uint8Array {
  const clip8 = (x: number) => (x < 0 ? 0 : x > 255 ? 255 : x);
  const shift = ((Math.trunc(h * 255) % 256) + 256) % 256;
  const out = new Uint8Array(d.length);
  for (let o = 0; o < d.length; o += 3) {
    const r = d[o];
    const g = d[o + 1];
    const b = d[o + 2];
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    if (maxc === minc) {
      out[o] = out[o + 1] = out[o + 2] = maxc;
      continue;
    }
    const cr = maxc - minc;
    const rc = (maxc - r) / cr;
    const gc = (maxc - g) / cr;
    const bc = (maxc - b) / cr;
    let hh = r === maxc ? bc - gc : g === maxc ? 2 + rc - bc : 4 + gc - rc;
    hh = hh / 6 + 1;
    if (hh >= 1) hh -= 1;
    const hs = (clip8(Math.trunc(hh * 255)) + shift) & 255;
    const s = clip8(Math.trunc((cr / maxc) * 255));
    const v = maxc;
    if (s === 0) {
      out[o] = out[o + 1] = out[o + 2] = v;
      continue;
    }
    const i = Math.floor((hs * 6) / 255);
    const f = (hs * 6) / 255 - i;
    const fs = s / 255;
    const p = clip8(Math.round(v * (1 - fs)));
    const q = clip8(Math.round(v * (1 - fs * f)));
    const t = clip8(Math.round(v * (1 - fs * (1 - f))));
    const k = i % 6;
    out[o] = k === 0 || k === 5 ? v : k === 1 ? q : k === 4 ? t : p;
    out[o + 1] = k === 1 || k === 2 ? v : k === 0 ? t : k === 3 ? q : p;
    out[o + 2] = k === 3 || k === 4 ? v : k === 2 ? t : k === 5 ? q : p;
  }
  return out;
}

describe('adjustHue', () => {
  it('equals the direct Pillow formulas on every one of the 2^24 colours', () => {
    const n = 1 << 24;
    const data = new Uint8Array(3 * n);
    for (let c = 0; c < n; c++) {
      data[3 * c] = c >> 16;
      data[3 * c + 1] = (c >> 8) & 255;
      data[3 * c + 2] = c & 255;
    }
    const img = { width: 4096, height: 4096, channels: 3, data };
    for (const h of [0.1, -0.37]) {
      const got = adjustHue(img, h).data;
      const want = referenceHue(data, h);
      let firstBad = -1;
      for (let i = 0; i < got.length && firstBad < 0; i++) if (got[i] !== want[i]) firstBad = i;
      expect(firstBad, `hue ${h}: first differing byte`).toBe(-1);
    }
  });
});
