import { resampleBilinear } from '../augment/resample.js';
import { createImageU8, toChannels, type ImageU8 } from '../image.js';
import { formatSize, type ImageFormat } from '../sources/image-source.js';

/**
 * The same size/fit/channel contract as decodeImageFile, for images that are already in memory
 * (MNIST, CIFAR, STL), so that every source honours one ImageFormat.
 */
export function fitImage(img: ImageU8, format: ImageFormat): ImageU8 {
  let out = format.channels ? toChannels(img, format.channels) : toChannels(img, 3);
  const size = formatSize(format);
  if (!size || (size[0] === out.width && size[1] === out.height)) return out;
  const [W, H] = size;
  const fit = format.fit ?? 'crop';
  if (fit === 'stretch') return resampleBilinear(out, W, H);
  const scale = fit === 'crop' ? Math.max(W / out.width, H / out.height) : Math.min(W / out.width, H / out.height);
  const rw = Math.max(1, Math.round(out.width * scale));
  const rh = Math.max(1, Math.round(out.height * scale));
  out = resampleBilinear(out, rw, rh);
  const canvas = createImageU8(W, H, out.channels);
  // Centre: crop offsets into the resized image (crop) or paste offsets into the canvas (pad).
  const ox = Math.floor((rw - W) / 2);
  const oy = Math.floor((rh - H) / 2);
  const c = out.channels;
  for (let y = 0; y < H; y++) {
    const sy = y + oy;
    if (sy < 0 || sy >= rh) continue;
    for (let x = 0; x < W; x++) {
      const sx = x + ox;
      if (sx < 0 || sx >= rw) continue;
      for (let ch = 0; ch < c; ch++) canvas.data[(y * W + x) * c + ch] = out.data[(sy * rw + sx) * c + ch];
    }
  }
  return canvas;
}
