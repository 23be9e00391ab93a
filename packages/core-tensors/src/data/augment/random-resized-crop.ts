import type { Rng } from '../../math/random.js';
import type { ImageU8 } from '../image.js';
import { roundHalfEven } from './crop.js';
import { resampleBilinear } from './resample.js';

export interface ResizedCropParams {
  /** Range of the crop's area as a fraction of the image area. */
  scale: readonly [number, number];
  /** Range of the crop's aspect ratio w/h (sampled log-uniformly). */
  ratio: readonly [number, number];
}

export const DEFAULT_RESIZED_CROP: ResizedCropParams = { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] };

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** torchvision RandomResizedCrop.get_params: 10 attempts, then a centred fallback. */
export function sampleResizedCropBox(W: number, H: number, p: ResizedCropParams, rng: Rng): CropBox {
  const area = W * H;
  const logLo = Math.log(p.ratio[0]);
  const logHi = Math.log(p.ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(p.scale[0], p.scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= W && h > 0 && h <= H) {
      return { top: rng.int(H - h + 1), left: rng.int(W - w + 1), width: w, height: h };
    }
  }
  const inRatio = W / H;
  let w = W;
  let h = H;
  if (inRatio < Math.min(...p.ratio)) h = roundHalfEven(w / Math.min(...p.ratio));
  else if (inRatio > Math.max(...p.ratio)) w = roundHalfEven(h * Math.max(...p.ratio));
  return { top: Math.trunc((H - h) / 2), left: Math.trunc((W - w) / 2), width: w, height: h };
}

/** A random crop resized (bilinear, Pillow semantics) to outW × outH. */
export function randomResizedCrop(img: ImageU8, outW: number, outH: number, p: ResizedCropParams, rng: Rng): ImageU8 {
  const b = sampleResizedCropBox(img.width, img.height, p, rng);
  return resampleBilinear(img, outW, outH, [b.left, b.top, b.left + b.width, b.top + b.height]);
}
