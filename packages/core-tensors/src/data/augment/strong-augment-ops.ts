import type { Rng } from '../../math/random.js';
import type { ImageU8 } from '../image.js';
import { rotate, shearX, shearY, translateX, translateY } from './affine.js';
import { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness } from './enhance.js';
import { autoContrast, equalize } from './histogram-ops.js';
import { posterize, solarize } from './point-ops.js';
import { copyImage, type ImageOp } from './transform.js';

export interface StrongAugmentOp {
  name: string;
  op: ImageOp;
  /** v = min + U[0,1)·(max − min), as in the reference's augment list. */
  min: number;
  max: number;
  /** The magnitude at which the op leaves the image unchanged (none for AutoContrast/Equalize). */
  identity?: number;
}

/** Sign flip with probability ½, as the reference's "random_mirror" ops do. */
const mirrored = (op: ImageOp, rng: () => number): ImageOp => (img, v) => op(img, rng() < 0.5 ? -v : v);

/**
 * The 14 ops of SCAN's `ours` strategy with their magnitude ranges (scan-reference-spec §3.3). Note
 * that Color/Contrast/Brightness/Sharpness lie in [0.05, 0.95]: they only ever weaken the image.
 */
export const STRONG_AUGMENT_OPS: readonly StrongAugmentOp[] = [
  { name: 'Identity', op: (img) => copyImage(img), min: 0, max: 1 },
  { name: 'AutoContrast', op: (img) => autoContrast(img), min: 0, max: 1 },
  { name: 'Equalize', op: (img) => equalize(img), min: 0, max: 1 },
  { name: 'Rotate', op: rotate, min: -30, max: 30, identity: 0 },
  { name: 'Solarize', op: solarize, min: 0, max: 256, identity: 256 },
  { name: 'Color', op: adjustSaturation, min: 0.05, max: 0.95, identity: 1 },
  { name: 'Contrast', op: adjustContrast, min: 0.05, max: 0.95, identity: 1 },
  { name: 'Brightness', op: adjustBrightness, min: 0.05, max: 0.95, identity: 1 },
  { name: 'Sharpness', op: adjustSharpness, min: 0.05, max: 0.95, identity: 1 },
  { name: 'ShearX', op: shearX, min: -0.1, max: 0.1, identity: 0 },
  { name: 'TranslateX', op: translateX, min: -0.1, max: 0.1, identity: 0 },
  { name: 'TranslateY', op: translateY, min: -0.1, max: 0.1, identity: 0 },
  { name: 'Posterize', op: posterize, min: 4, max: 8, identity: 8 },
  { name: 'ShearY', op: shearY, min: -0.1, max: 0.1, identity: 0 },
];

const SIGNED = new Set(['Rotate', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY']);

/**
 * The reference's Augment(n): n ops drawn with replacement, each with its own uniform magnitude, all
 * applied (no global magnitude, no apply probability); signed ops flip their sign with p = ½.
 */
export function strongAugment(img: ImageU8, n: number, rng: Rng, ops: readonly StrongAugmentOp[] = STRONG_AUGMENT_OPS): ImageU8 {
  let out = img;
  for (let k = 0; k < n; k++) {
    const spec = ops[rng.int(ops.length)];
    const v = spec.min + (spec.max - spec.min) * rng.next();
    const op = SIGNED.has(spec.name) ? mirrored(spec.op, () => rng.next()) : spec.op;
    out = op(out, v);
  }
  return out === img ? copyImage(img) : out;
}
