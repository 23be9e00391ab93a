import { describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { formatFloat32 } from './float32-text.js';

describe('formatFloat32', () => {
  it('prints short text for simple values', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(1)).toBe('1');
    expect(formatFloat32(-0)).toBe('-0');
    expect(formatFloat32(Math.fround(1e-7))).toBe('1e-7');
  });

  it('reads back bit-exactly for random bit patterns, including subnormals and extremes', () => {
    const rng = new Rng(7);
    const bits = new Uint32Array(20000).map(() => rng.nextUint32());
    bits.set([0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x80000000], 0);
    const f = new Float32Array(bits.buffer);
    const back = new Float32Array(1);
    const backBits = new Uint32Array(back.buffer);
    const wrong: string[] = [];
    let checked = 0;
    for (let i = 0; i < f.length; i++) {
      if (!Number.isFinite(f[i])) continue;
      const text = formatFloat32(f[i]);
      back[0] = Number(text);
      checked++;
      if (backBits[0] !== bits[i]) wrong.push(`0x${bits[i].toString(16)} -> ${text}`);
    }
    expect(checked).toBeGreaterThan(19000);
    expect(wrong).toEqual([]);
  });
});
