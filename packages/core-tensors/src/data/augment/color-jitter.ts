import type { Rng } from '../../math/random.js';
import type { ImageU8 } from '../image.js';
import { adjustBrightness, adjustContrast, adjustSaturation } from './enhance.js';
import { adjustHue } from './hue.js';

/** torchvision ColorJitter strengths: factors are drawn from [max(0, 1 − s), 1 + s], hue from [−h, h]. */
export interface ColorJitterParams {
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

/**
 * One ColorJitter draw: sample the four factors, then apply the four adjustments in a freshly
 * shuffled order, each rounding to 8 bits (PIL semantics).
 */
export function colorJitter(img: ImageU8, p: ColorJitterParams, rng: Rng): ImageU8 {
  const steps: ((x: ImageU8) => ImageU8)[] = [];
  if (p.brightness > 0) {
    const f = rng.uniform(Math.max(0, 1 - p.brightness), 1 + p.brightness);
    steps.push((x) => adjustBrightness(x, f));
  }
  if (p.contrast > 0) {
    const f = rng.uniform(Math.max(0, 1 - p.contrast), 1 + p.contrast);
    steps.push((x) => adjustContrast(x, f));
  }
  if (p.saturation > 0) {
    const f = rng.uniform(Math.max(0, 1 - p.saturation), 1 + p.saturation);
    steps.push((x) => adjustSaturation(x, f));
  }
  if (p.hue > 0) {
    if (p.hue > 0.5) throw new RangeError(`colour jitter hue must be in [0, 0.5], got ${p.hue}`);
    const h = rng.uniform(-p.hue, p.hue);
    steps.push((x) => adjustHue(x, h));
  }
  rng.shuffle(steps);
  let out = img;
  for (const s of steps) out = s(out);
  return out;
}
