/**
 * A minimal BMP decoder (libvips, and so sharp, does not read BMP): uncompressed 24- and 32-bit and
 * palettised 1/4/8-bit images with a BITMAPINFOHEADER or later header, bottom-up or top-down.
 * Returns RGB bytes; throws with the reason on anything else.
 */
export interface RawRgb {
  width: number;
  height: number;
  data: Uint8Array;
}

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function decodeBmp(buf: Uint8Array): RawRgb {
  if (buf.length < 54 || !isBmp(buf)) throw new Error('not a BMP file (too short or no "BM" signature)');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 40) throw new Error(`unsupported BMP header size ${headerSize} (expected ≥ 40)`);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  // BI_BITFIELDS (3) with 32 bpp is the usual BGRA layout; other compressions are not supported.
  if (!(compression === 0 || (compression === 3 && bpp === 32))) throw new Error(`unsupported BMP compression ${compression}`);
  if (width <= 0 || rawHeight === 0) throw new Error(`invalid BMP size ${width}×${rawHeight}`);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new Error('truncated BMP pixel data');
  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const colours = dv.getUint32(46, true) || 1 << bpp;
    const pOff = 14 + headerSize;
    palette = buf.subarray(pOff, pOff + colours * 4);
  } else if (bpp !== 24 && bpp !== 32) {
    throw new Error(`unsupported BMP bit depth ${bpp}`);
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (palette) {
        const bit = x * bpp;
        const byte = buf[row + (bit >> 3)];
        const idx = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[idx * 4 + 2];
        out[o + 1] = palette[idx * 4 + 1];
        out[o + 2] = palette[idx * 4];
      } else {
        const p = row + x * (bpp >> 3);
        out[o] = buf[p + 2];
        out[o + 1] = buf[p + 1];
        out[o + 2] = buf[p];
      }
    }
  }
  return { width, height, data: out };
}
