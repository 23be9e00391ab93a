import { Rng } from '../../math/random.js';
import type { ImageU8 } from '../image.js';

/**
 * A deterministic CIFAR-like test picture: a colour gradient sky, a darker ground, a saturated disc
 * and a little noise, so that every op has edges, colours and a spread histogram to act on.
 */
export function syntheticScene(size: number, seed = 1): ImageU8 {
  const rng = new Rng(seed);
  const cx = size * rng.uniform(0.3, 0.7);
  const cy = size * rng.uniform(0.3, 0.6);
  const r = size * rng.uniform(0.15, 0.3);
  const hue = rng.int(3);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      let px: [number, number, number];
      if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) {
        px = [0, 0, 0];
        px[hue] = 230;
        px[(hue + 1) % 3] = 60;
      } else if (y > size * 0.7) {
        px = [90, 70 + (x % 4) * 5, 40];
      } else {
        px = [60 + (120 * y) / size, 110 + (100 * x) / size, 220];
      }
      for (let c = 0; c < 3; c++) data[o + c] = Math.max(0, Math.min(255, Math.round(px[c] + rng.normal(0, 6))));
    }
  }
  return { width: size, height: size, channels: 3, data };
}
