import type { ImageF32 } from '../image.js';

/** Stacks same-shaped HWC float images into one NHWC buffer. */
export function stackImages(images: readonly ImageF32[], what: string): { data: Float32Array; shape: [number, number, number, number] } {
  const first = images[0];
  if (!first) throw new RangeError(`${what}: cannot stack an empty batch`);
  const per = first.data.length;
  const data = new Float32Array(per * images.length);
  images.forEach((img, k) => {
    if (img.width !== first.width || img.height !== first.height || img.channels !== first.channels) {
      throw new Error(
        `${what}: image ${k} of the batch is ${img.width}×${img.height}×${img.channels} but the first is ${first.width}×${first.height}×${first.channels} (configure a fixed size)`,
      );
    }
    data.set(img.data, k * per);
  });
  return { data, shape: [images.length, first.height, first.width, first.channels] };
}
