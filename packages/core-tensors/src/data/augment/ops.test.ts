import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import { type ImageU8, lumaPlane } from '../image.js';
import { affineNearest, rotate, shearX, shearY, translateX, translateY } from './affine.js';
import { colorJitter } from './color-jitter.js';
import { centerCrop, randomCrop } from './crop.js';
import { cutout } from './cutout.js';
import { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, grayscale } from './enhance.js';
import { flipHorizontal } from './flip.js';
import { autoContrast, equalize } from './histogram-ops.js';
import { adjustHue } from './hue.js';
import { morph3x3 } from './morphology.js';
import { denormalize, normalize } from './normalize.js';
import { posterize, solarize } from './point-ops.js';
import { randomResizedCrop, sampleResizedCropBox } from './random-resized-crop.js';
import { resampleBilinear } from './resample.js';
import { STRONG_AUGMENT_OPS, strongAugment } from './strong-augment-ops.js';
import { syntheticScene } from './test-images.js';

const scene = syntheticScene(32, 7);
const px = (img: ImageU8, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels));
const same = (a: ImageU8, b: ImageU8) => a.width === b.width && a.height === b.height && a.channels === b.channels && a.data.every((v, i) => v === b.data[i]);
const meanOf = (d: ArrayLike<number>) => Array.from(d).reduce((s, v) => s + v, 0) / d.length;

describe('the 14 strong-augmentation ops', () => {
  it('keep the shape, stay 8-bit, change the image for a non-identity magnitude and leave it unchanged at the identity magnitude', () => {
    const rng = new Rng(3);
    for (const spec of STRONG_AUGMENT_OPS) {
      const v = spec.min + 0.8 * (spec.max - spec.min);
      const out = spec.op(scene, v);
      expect([out.width, out.height, out.channels], spec.name).toEqual([32, 32, 3]);
      expect(out.data, spec.name).toBeInstanceOf(Uint8Array);
      if (spec.name !== 'Identity') expect(same(out, scene), `${spec.name} at ${v} changes the image`).toBe(false);
      if (spec.identity !== undefined) expect(same(spec.op(scene, spec.identity), scene), `${spec.name} identity`).toBe(true);
      expect(out.data).not.toBe(scene.data);
      void rng;
    }
    expect(STRONG_AUGMENT_OPS.map((o) => o.name)).toHaveLength(14);
  });

  it('rotate/shear/translate move content the way Pillow does', () => {
    // A single bright pixel at (x=20, y=10) on black.
    const dot: ImageU8 = { width: 32, height: 32, channels: 1, data: new Uint8Array(1024) };
    dot.data[10 * 32 + 20] = 255;
    const where = (img: ImageU8) => {
      const i = img.data.indexOf(255);
      return [i % 32, Math.floor(i / 32)];
    };
    expect(where(translateX(dot, 0.125))).toEqual([16, 10]); // v > 0 moves content left by v·W = 4
    expect(where(translateY(dot, -0.125))).toEqual([20, 14]);
    expect(where(shearX(dot, 0.1))).toEqual([19, 10]); // input x = x + 0.1·(y+½) ⇒ x = 20 − 1.05 → 19
    expect(where(shearY(dot, 0.1))).toEqual([20, 8]);
    // 90° counter-clockwise about the centre: (20, 10) → (10, 12) (y axis points down).
    expect(where(rotate(dot, 90))).toEqual([10, 11]);
    expect(same(rotate(rotate(scene, 90), -90), scene)).toBe(true);
    // Black fill where the source falls outside.
    expect(px(affineNearest(scene, [1, 0, 100, 0, 1, 0]), 0, 0)).toEqual([0, 0, 0]);
  });

  it('enhance ops blend with their degenerate image (Pillow truncation)', () => {
    const half = adjustBrightness(scene, 0.5);
    expect(half.data.every((v, i) => v === Math.trunc(scene.data[i] * 0.5))).toBe(true);
    expect(adjustBrightness(scene, 0).data.every((v) => v === 0)).toBe(true);
    const flat = adjustContrast(scene, 0);
    expect(new Set(flat.data).size).toBe(1);
    expect(Math.abs(flat.data[0] - meanOf(lumaPlane(scene)))).toBeLessThanOrEqual(1);
    const grey = adjustSaturation(scene, 0);
    expect(same(grey, grayscale(scene))).toBe(true);
    const blurred = adjustSharpness(scene, 0);
    expect(px(blurred, 0, 0)).toEqual(px(scene, 0, 0)); // border left unfiltered
    const tv = (img: ImageU8) => {
      let s = 0;
      for (let i = 3; i < img.data.length; i++) s += Math.abs(img.data[i] - img.data[i - 3]);
      return s;
    };
    expect(tv(blurred)).toBeLessThan(tv(scene));
  });

  it('point and histogram ops', () => {
    expect(solarize(scene, 0).data.every((v, i) => v === 255 - scene.data[i])).toBe(true);
    expect(solarize(scene, 128).data.every((v, i) => (scene.data[i] < 128 ? v === scene.data[i] : v === 255 - scene.data[i]))).toBe(true);
    expect(posterize(scene, 4).data.every((v, i) => v === (scene.data[i] & 0xf0))).toBe(true);
    expect(posterize(scene, 7.9).data.every((v, i) => v === (scene.data[i] & 0xfe))).toBe(true);
    const low: ImageU8 = { width: 4, height: 1, channels: 1, data: Uint8Array.from([50, 60, 70, 100]) };
    // Pillow computes int(x·scale + offset) in floating point, so the top can land on 254.
    const ac = Array.from(autoContrast(low).data);
    expect(ac.slice(0, 3)).toEqual([0, 51, 102]);
    expect(ac[3]).toBeGreaterThanOrEqual(254);
    const eq = equalize(scene);
    for (let c = 0; c < 3; c++) {
      const ch = (img: ImageU8) => Array.from(img.data.filter((_, i) => i % 3 === c));
      // Equalisation is monotone and spreads the channel over (nearly) the full range.
      const pairs = ch(scene).map((v, i) => [v, ch(eq)[i]]).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < pairs.length; i++) expect(pairs[i][1]).toBeGreaterThanOrEqual(pairs[i - 1][1]);
      expect(Math.max(...ch(eq)) - Math.min(...ch(eq))).toBeGreaterThan(200);
    }
    const twoLevel: ImageU8 = { width: 2, height: 1, channels: 1, data: Uint8Array.from([7, 7]) };
    expect(Array.from(equalize(twoLevel).data)).toEqual([7, 7]);
  });

  it('strongAugment draws N ops with their own magnitudes: one seed repeats, two seeds differ', () => {
    const a = strongAugment(scene, 4, new Rng(11));
    const b = strongAugment(scene, 4, new Rng(11));
    const c = strongAugment(scene, 4, new Rng(12));
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
    expect(same(strongAugment(scene, 0, new Rng(1)), scene)).toBe(true);
    // With replacement: over many draws each op is picked, and some draw picks the same op twice.
    const picked = new Set<string>();
    let repeats = 0;
    const rng = new Rng(5);
    for (let t = 0; t < 200; t++) {
      const names: string[] = [];
      const spy = STRONG_AUGMENT_OPS.map((o) => ({ ...o, op: (img: ImageU8, v: number) => (names.push(o.name), o.op(img, v)) }));
      strongAugment(scene, 4, rng, spy);
      names.forEach((n) => picked.add(n));
      if (new Set(names).size < names.length) repeats++;
    }
    expect(picked.size).toBe(14);
    expect(repeats).toBeGreaterThan(0);
  });
});

describe('geometric and colour ops of the SimCLR strategy', () => {
  it('resamples like Pillow: identity at the same size, averages when shrinking', () => {
    expect(same(resampleBilinear(scene, 32, 32), scene)).toBe(true);
    const checker: ImageU8 = { width: 4, height: 4, channels: 1, data: Uint8Array.from({ length: 16 }, (_, i) => ((i % 4) + (i >> 2)) % 2 ? 200 : 0) };
    // Antialiased: a shrunk checkerboard is near mid-grey everywhere (nearest would keep 0 and 200).
    expect(resampleBilinear(checker, 2, 2).data.every((v) => v > 80 && v < 120)).toBe(true);
    const flat: ImageU8 = { width: 9, height: 7, channels: 3, data: new Uint8Array(189).fill(77) };
    expect(resampleBilinear(flat, 4, 3).data.every((v) => v === 77)).toBe(true);
    const up = resampleBilinear(scene, 96, 96);
    expect([up.width, up.height]).toEqual([96, 96]);
    const boxed = resampleBilinear(scene, 8, 8, [8, 8, 16, 16]);
    expect(px(boxed, 0, 0)).toEqual(px(scene, 8, 8));
  });

  it('random resized crop: boxes respect scale and ratio, the output has the asked size, seeds repeat', () => {
    const rng = new Rng(9);
    for (let t = 0; t < 200; t++) {
      const b = sampleResizedCropBox(32, 32, { scale: [0.2, 1], ratio: [3 / 4, 4 / 3] }, rng);
      expect(b.width * b.height).toBeGreaterThanOrEqual(0.2 * 1024 * 0.8);
      expect(b.left + b.width).toBeLessThanOrEqual(32);
      expect(b.top + b.height).toBeLessThanOrEqual(32);
      expect(b.width / b.height).toBeGreaterThan(0.6);
      expect(b.width / b.height).toBeLessThan(1.6);
    }
    const full = randomResizedCrop(scene, 32, 32, { scale: [1, 1], ratio: [1, 1] }, new Rng(1));
    expect(same(full, scene)).toBe(true);
    const a = randomResizedCrop(scene, 20, 20, { scale: [0.2, 1], ratio: [3 / 4, 4 / 3] }, new Rng(4));
    expect([a.width, a.height]).toEqual([20, 20]);
    expect(same(a, randomResizedCrop(scene, 20, 20, { scale: [0.2, 1], ratio: [3 / 4, 4 / 3] }, new Rng(4)))).toBe(true);
    expect(same(a, randomResizedCrop(scene, 20, 20, { scale: [0.2, 1], ratio: [3 / 4, 4 / 3] }, new Rng(5)))).toBe(false);
  });

  it('flip, crops, grayscale', () => {
    expect(px(flipHorizontal(scene), 0, 5)).toEqual(px(scene, 31, 5));
    expect(same(flipHorizontal(flipHorizontal(scene)), scene)).toBe(true);
    expect(same(centerCrop(scene, 32), scene)).toBe(true);
    const c = centerCrop(scene, 16);
    expect(px(c, 0, 0)).toEqual(px(scene, 8, 8));
    expect(randomCrop(scene, 32, 32, new Rng(1))).toBe(scene);
    const rc = randomCrop(scene, 24, 24, new Rng(2));
    expect([rc.width, rc.height]).toEqual([24, 24]);
    const g = grayscale(scene);
    expect(g.data.every((v, i) => v === g.data[i - (i % 3)])).toBe(true);
  });

  it('hue rotates colours (red → green at +1/3), keeps greys, and 0 is the identity', () => {
    const red: ImageU8 = { width: 2, height: 1, channels: 3, data: Uint8Array.from([255, 0, 0, 90, 90, 90]) };
    const shifted = adjustHue(red, 1 / 3);
    expect(shifted.data[1]).toBeGreaterThan(240);
    expect(shifted.data[0]).toBeLessThan(20);
    expect(px(shifted, 1, 0)).toEqual([90, 90, 90]);
    expect(same(adjustHue(scene, 0), scene)).toBe(true);
    // The 8-bit HSV round trip is lossy but close.
    const tiny = adjustHue(scene, 0.5 / 255);
    expect(Math.max(...tiny.data.map((v, i) => Math.abs(v - scene.data[i])))).toBeLessThan(8);
  });

  it('colour jitter with zero strengths is the identity; seeds repeat and differ', () => {
    expect(same(colorJitter(scene, { brightness: 0, contrast: 0, saturation: 0, hue: 0 }, new Rng(1)), scene)).toBe(true);
    const p = { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 };
    expect(same(colorJitter(scene, p, new Rng(2)), colorJitter(scene, p, new Rng(2)))).toBe(true);
    expect(same(colorJitter(scene, p, new Rng(2)), colorJitter(scene, p, new Rng(3)))).toBe(false);
  });
});

describe('tensor-side ops', () => {
  const norm = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };

  it('normalise is (x/255 − mean)/std per channel and inverts exactly back to bytes', () => {
    const f = normalize(scene, norm);
    expect(f.data[1]).toBeCloseTo((scene.data[1] / 255 - 0.4822) / 0.1994, 5);
    expect(same(denormalize(f, norm), scene)).toBe(true);
    expect(() => normalize(scene, { mean: [0.5, 0.5], std: [1, 1] })).toThrow(/3 means/);
  });

  it('cutout zeroes one square hole of side 2·(len//2), clipped by the border; seeds repeat', () => {
    const f = normalize(scene, norm);
    const counts = new Set<number>();
    for (let s = 0; s < 100; s++) {
      const out = cutout(f, { nHoles: 1, length: 16 }, new Rng(s));
      const zeroPixels = Array.from({ length: 1024 }, (_, p) => out.data[p * 3] === 0 && out.data[p * 3 + 1] === 0 && out.data[p * 3 + 2] === 0).filter(Boolean).length;
      const changed = out.data.filter((v, i) => v !== f.data[i]).length;
      expect(changed).toBeLessThanOrEqual(3 * 16 * 16);
      expect(zeroPixels).toBeLessThanOrEqual(16 * 16);
      counts.add(zeroPixels);
    }
    expect(counts.has(0)).toBe(true); // len = 1 gives no hole
    expect(Math.max(...counts)).toBe(256); // an unclipped 16×16 hole happens
    const a = cutout(f, { nHoles: 1, length: 16 }, new Rng(42));
    expect(a.data).toEqual(cutout(f, { nHoles: 1, length: 16 }, new Rng(42)).data);
  });

  it('3×3 dilation grows and erosion shrinks a stroke', () => {
    const line = { width: 5, height: 5, channels: 1, data: new Float32Array(25) };
    for (let x = 0; x < 5; x++) line.data[2 * 5 + x] = 1;
    const sum = (d: Float32Array) => d.reduce((s, v) => s + v, 0);
    expect(sum(morph3x3(line, 'dilate').data)).toBe(15);
    expect(sum(morph3x3(line, 'erode').data)).toBe(0);
  });
});
