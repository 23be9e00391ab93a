import { describe, expect, it } from 'vitest';
import { Rng, hashString } from './random.js';

function draw(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('Rng', () => {
  it('repeats exactly from the same seed (number and string seeds)', () => {
    expect(draw(new Rng(42), 50)).toEqual(draw(new Rng(42), 50));
    expect(draw(new Rng('mnist:pool'), 50)).toEqual(draw(new Rng('mnist:pool'), 50));
  });

  it('gives different streams for different seeds, including seed 0 and 1', () => {
    const a = draw(new Rng(0), 20);
    const b = draw(new Rng(1), 20);
    const c = draw(new Rng('a'), 20);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(20);
  });

  it('string seeds hash with FNV-1a (stable across platforms)', () => {
    // FNV-1a 32-bit of "" is the offset basis; of "a" it is 0xe40c292c (published test vector).
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
  });

  it('uniform draws lie in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12', () => {
    const rng = new Rng(7);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      s += u;
      s2 += u * u;
      if (u < min) min = u;
      if (u > max) max = u;
    }
    const mean = s / n;
    // Standard error of the mean is sqrt(1/12 / n) ≈ 0.0009: 0.005 is > 5 sigma.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });

  it('normal draws have the requested mean and standard deviation', () => {
    const rng = new Rng(11);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal(3, 2);
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    // SE of the mean = 2/sqrt(n) ≈ 0.0063; SE of the std ≈ 2/sqrt(2n) ≈ 0.0045.
    expect(Math.abs(mean - 3)).toBeLessThan(0.03);
    expect(Math.abs(std - 2)).toBeLessThan(0.03);
  });

  it('int(n) covers 0..n-1 evenly and rejects n ≤ 0', () => {
    const rng = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => rng.int(0)).toThrow(/n must be > 0/);
  });

  it('permutation returns each index once; fork gives an independent stream', () => {
    const rng = new Rng(5);
    const p = rng.permutation(100);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const parent = new Rng(9);
    const child = parent.fork();
    expect(draw(child, 10)).not.toEqual(draw(parent, 10));
  });
});
