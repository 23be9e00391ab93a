import type { Rng } from '../../math/random.js';
import type { ImageU8 } from '../image.js';

/** The sub-image [left, left+w) × [top, top+h); regions outside the image are black (PIL crop). */
export function crop(img: ImageU8, left: number, top: number, w: number, h: number): ImageU8 {
  const c = img.channels;
  if (left === 0 && top === 0 && w === img.width && h === img.height) return { ...img, data: img.data.slice() };
  const out = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= img.height) continue;
    for (let x = 0; x < w; x++) {
      const sx = left + x;
      if (sx < 0 || sx >= img.width) continue;
      for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = img.data[(sy * img.width + sx) * c + ch];
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

/** torchvision CenterCrop: top = round((H − h)/2), left = round((W − w)/2) (Python rounds half to even). */
export function centerCrop(img: ImageU8, w: number, h = w): ImageU8 {
  return crop(img, roundHalfEven((img.width - w) / 2), roundHalfEven((img.height - h) / 2), w, h);
}

/** torchvision RandomCrop without padding; draws nothing when the crop is the whole image. */
export function randomCrop(img: ImageU8, w: number, h: number, rng: Rng): ImageU8 {
  if (w > img.width || h > img.height) {
    throw new RangeError(`random crop ${w}×${h} is larger than the ${img.width}×${img.height} image`);
  }
  if (w === img.width && h === img.height) return img;
  const top = rng.int(img.height - h + 1);
  const left = rng.int(img.width - w + 1);
  return crop(img, left, top, w, h);
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
