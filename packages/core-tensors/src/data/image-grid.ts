import { toChannels, type ImageU8 } from './image.js';

/**
 * Tiles images (rows of `cols`, each cell scaled up by an integer `zoom`, 2-pixel grey gutters) into
 * one RGB image, so that augmented views can be looked at as a single picture.
 */
export function imageGrid(images: readonly ImageU8[], cols: number, zoom = 1): ImageU8 {
  if (images.length === 0) throw new RangeError('imageGrid: no images');
  const cw = Math.max(...images.map((i) => i.width)) * zoom;
  const ch = Math.max(...images.map((i) => i.height)) * zoom;
  const rows = Math.ceil(images.length / cols);
  const gap = 2;
  const W = cols * cw + (cols + 1) * gap;
  const H = rows * ch + (rows + 1) * gap;
  const out = new Uint8Array(W * H * 3).fill(128);
  images.forEach((raw, k) => {
    const img = toChannels(raw, 3);
    const ox = gap + (k % cols) * (cw + gap);
    const oy = gap + Math.floor(k / cols) * (ch + gap);
    for (let y = 0; y < img.height * zoom; y++) {
      for (let x = 0; x < img.width * zoom; x++) {
        const s = (Math.floor(y / zoom) * img.width + Math.floor(x / zoom)) * 3;
        const t = ((oy + y) * W + ox + x) * 3;
        out[t] = img.data[s];
        out[t + 1] = img.data[s + 1];
        out[t + 2] = img.data[s + 2];
      }
    }
  });
  return { width: W, height: H, channels: 3, data: out };
}
