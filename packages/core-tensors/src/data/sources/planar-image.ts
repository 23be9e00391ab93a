import { createImageU8, type ImageU8 } from '../image.js';

/**
 * A channel-planar 3×side×side record to an HWC image. `columnMajor`: each plane is stored column by
 * column (STL-10's Matlab-born layout), so pixel (row y, col x) is at x·side + y.
 */
export function planarToImage(bytes: Uint8Array, side: number, columnMajor = false): ImageU8 {
  const plane = side * side;
  const out = new Uint8Array(plane * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const src = columnMajor ? x * side + y : y * side + x;
      const dst = (y * side + x) * 3;
      out[dst] = bytes[src];
      out[dst + 1] = bytes[plane + src];
      out[dst + 2] = bytes[2 * plane + src];
    }
  }
  return createImageU8(side, side, 3, out);
}
