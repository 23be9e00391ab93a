import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Rng } from '../../../math/random.js';
import type { ImageF32, ImageU8 } from '../../image.js';
import { imageGrid } from '../../image-grid.js';
import { openMnistSource } from '../../sources/mnist-source.js';
import { denormalize, normalize } from '../normalize.js';
import { syntheticScene } from '../test-images.js';
import { digitsTransform } from './digits-transform.js';
import { simclrTransform } from './simclr-transform.js';
import { strongTransform } from './strong-transform.js';
import { trainTransform } from './train-transform.js';
import { valTransform } from './val-transform.js';

// The augmentation blocks of SCAN's configs/pretext/simclr_cifar10.yml and configs/scan/scan_cifar10.yml.
const SIMCLR_CIFAR10 = `
augmentation_strategy: simclr
augmentation_kwargs:
   random_resized_crop:
      size: 32
      scale: [0.2, 1.0]
   color_jitter_random_apply:
      p: 0.8
   color_jitter:
      brightness: 0.4
      contrast: 0.4
      saturation: 0.4
      hue: 0.1
   random_grayscale:
      p: 0.2
   normalize:
      mean: [0.4914, 0.4822, 0.4465]
      std: [0.2023, 0.1994, 0.2010]
`;
const OURS_CIFAR10 = `
augmentation_strategy: ours
augmentation_kwargs:
   crop_size: 32
   normalize:
      mean: [0.4914, 0.4822, 0.4465]
      std: [0.2023, 0.1994, 0.2010]
   num_strong_augs: 4
   cutout_kwargs:
     n_holes: 1
     length: 16
     random: True
`;
const NORM = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };

const scenes = [1, 2, 3, 4].map((s) => syntheticScene(32, s));
const eq = (a: ImageF32, b: ImageF32) => a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);
function inNormalisedRange(img: ImageF32, mean: readonly number[], std: readonly number[]) {
  return img.data.every((v, i) => {
    const c = i % img.channels;
    const m = mean.length === 1 ? mean[0] : mean[c];
    const s = std.length === 1 ? std[0] : std[c];
    return v >= -m / s - 1e-5 && v <= (1 - m) / s + 1e-5;
  });
}

describe('augmentation strategies', () => {
  it('simclr (from the reference YAML): 32×32×3 normalised views; one seed repeats, two seeds differ', () => {
    const t = trainTransform(parseYaml(SIMCLR_CIFAR10));
    const a = t(scenes[0], new Rng(1));
    expect([a.width, a.height, a.channels]).toEqual([32, 32, 3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(inNormalisedRange(a, NORM.mean, NORM.std)).toBe(true);
    expect(eq(a, t(scenes[0], new Rng(1)))).toBe(true);
    expect(eq(a, t(scenes[0], new Rng(2)))).toBe(false);
    const big = simclrTransform({ ...parseYaml(SIMCLR_CIFAR10).augmentation_kwargs, random_resized_crop: { size: 96 } })(scenes[1], new Rng(3));
    expect([big.width, big.height]).toEqual([96, 96]);
  });

  it('simclr with every random step switched off is crop-free resize + normalise', () => {
    const t = simclrTransform({
      random_resized_crop: { size: 32, scale: [1, 1], ratio: [1, 1] },
      random_horizontal_flip: { p: 0 },
      color_jitter_random_apply: { p: 1 },
      color_jitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 },
      random_grayscale: { p: 0 },
      normalize: NORM,
    });
    expect(eq(t(scenes[2], new Rng(5)), normalize(scenes[2], NORM))).toBe(true);
  });

  it('ours (from the reference YAML): strong views with a Cutout hole at the mean colour; seeds repeat and differ', () => {
    const t = trainTransform(parseYaml(OURS_CIFAR10));
    const a = t(scenes[1], new Rng(7));
    expect([a.width, a.height, a.channels]).toEqual([32, 32, 3]);
    expect(inNormalisedRange(a, NORM.mean, NORM.std)).toBe(true);
    expect(eq(a, t(scenes[1], new Rng(7)))).toBe(true);
    expect(eq(a, t(scenes[1], new Rng(8)))).toBe(false);
    const noAugs = strongTransform({ crop_size: 32, normalize: NORM, num_strong_augs: 0, cutout_kwargs: { n_holes: 0, length: 16 } });
    const plain = normalize(scenes[1], NORM);
    const flipped = Array.from({ length: 20 }, (_, s) => noAugs(scenes[1], new Rng(s)));
    expect(flipped.some((v) => eq(v, plain))).toBe(true);
    expect(flipped.some((v) => !eq(v, plain))).toBe(true); // the rest are mirror images
  });

  it('val transform: centre crop + normalise, no randomness', () => {
    const t = valTransform({ crop_size: 32, normalize: NORM });
    expect(eq(t(scenes[0], new Rng(1)), normalize(scenes[0], NORM))).toBe(true);
    expect(eq(t(scenes[0], new Rng(1)), t(scenes[0], new Rng(2)))).toBe(true);
    const c = valTransform({ crop_size: 16, normalize: NORM })(scenes[0], new Rng(1));
    expect([c.width, c.height]).toEqual([16, 16]);
  });

  it('digits: 28×28×1 views in the MNIST normalised range; identity when crop, rotation and stroke jitter are off', async () => {
    const mnist = await openMnistSource('heldout');
    const digit = await mnist.load(3);
    const t = digitsTransform();
    const a = t(digit, new Rng(1));
    expect([a.width, a.height, a.channels]).toEqual([28, 28, 1]);
    expect(inNormalisedRange(a, [0.1307], [0.3081])).toBe(true);
    expect(eq(a, t(digit, new Rng(1)))).toBe(true);
    expect(eq(a, t(digit, new Rng(2)))).toBe(false);
    const off = digitsTransform({ random_resized_crop: { size: 28, scale: [1, 1], ratio: [1, 1] }, rotation: { degrees: 0 }, stroke_width: { p: 0 } });
    const id = off(digit, new Rng(3));
    const ref = normalize(digit, { mean: [0.1307], std: [0.3081] });
    expect(Math.max(...id.data.map((v, i) => Math.abs(v - ref.data[i])))).toBeLessThan(1e-5);
  });

  it('rejects bad kwargs naming the key', () => {
    expect(() => trainTransform({ augmentation_strategy: 'autoaugment', augmentation_kwargs: {} })).toThrow(/augmentation_strategy/);
    expect(() => strongTransform({ crop_size: 32, normalize: NORM, num_strong_augs: 4 } as never)).toThrow(/cutout_kwargs/);
  });

  it('renders a grid of augmented samples to test-artifacts/augmentations.png', async () => {
    const mnist = await openMnistSource('heldout');
    const rows: ImageU8[] = [];
    const simclr = trainTransform(parseYaml(SIMCLR_CIFAR10));
    const ours = trainTransform(parseYaml(OURS_CIFAR10));
    const digits = digitsTransform();
    const views = 7;
    for (const s of [scenes[0], scenes[2]]) {
      rows.push(s, ...Array.from({ length: views }, (_, k) => denormalize(simclr(s, new Rng(k)), NORM)));
      rows.push(s, ...Array.from({ length: views }, (_, k) => denormalize(ours(s, new Rng(k)), NORM)));
    }
    for (const i of [0, 1, 2]) {
      const d = await mnist.load(i);
      rows.push(d, ...Array.from({ length: views }, (_, k) => denormalize(digits(d, new Rng(k)), { mean: [0.1307], std: [0.3081] })));
    }
    const grid = imageGrid(rows, views + 1, 3);
    const dir = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
    await mkdir(dir, { recursive: true });
    const file = `${dir}augmentations.png`;
    await sharp(grid.data, { raw: { width: grid.width, height: grid.height, channels: 3 } }).png().toFile(file);
    const meta = await sharp(file).metadata();
    expect([meta.width, meta.height]).toEqual([grid.width, grid.height]);
    expect(meta.height).toBe(7 * 32 * 3 + 8 * 2);
  });
});
