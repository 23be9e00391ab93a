import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createImageU8, type ImageU8 } from '../image.js';
import { formatSize, type ImageFormat } from '../sources/image-source.js';

/**
 * Small JPEGs decoded by libjpeg-turbo compiled to wasm (mozjpeg's decoder, from `@jsquash/jpeg`)
 * instead of libvips: for a 96×96 file libvips spends ~1.2 ms of CPU setting up its pipeline, the
 * wasm decoder ~0.12 ms (PIL ~0.11 ms), which made decoding the larger half of the 96×96 data path.
 * Both run libjpeg's default decompression (islow IDCT, fancy upsampling), so the bytes are those
 * libvips and PIL give (checked in jpeg-direct.test.ts).
 *
 * Only the plain case takes this path: a baseline, extended or progressive Huffman JPEG with 1 or
 * 3 components, no EXIF orientation other than 1, no ICC profile (libvips converts with it), ending in an EOI marker (libvips rejects a
 * truncated file, libjpeg would pad it with grey), and no resizing or channel change requested.
 * Everything else (and any decoder error) returns null: the caller goes through libvips as before.
 */

interface JpegModule {
  decode(data: Uint8Array, preserveOrientation: boolean): { data: Uint8ClampedArray; width: number; height: number } | null;
}

/** The bits of the WebAssembly global used here (this package compiles without the DOM library). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

let decoder: Promise<JpegModule | null> | undefined;

/** The wasm decoder of this thread, instantiated once (null if it cannot load: libvips does all). */
export function jpegDecoder(): Promise<JpegModule | null> {
  decoder ??= (async () => {
    try {
      const require = createRequire(import.meta.url);
      const wa = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
      const wasm = new wa.Module(readFileSync(require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm')));
      const factory = (await import('@jsquash/jpeg/codec/dec/mozjpeg_dec.js')).default as unknown as (o: object) => Promise<JpegModule>;
      return await factory({
        noInitialRun: true,
        instantiateWasm: (imports: object, done: (instance: object) => void) => {
          const instance = new wa.Instance(wasm, imports);
          done(instance);
          return instance.exports;
        },
      });
    } catch {
      return null;
    }
  })();
  return decoder;
}

/** What the marker walk found: frame size and components, and the EXIF orientation (1 if none). */
export interface JpegHeader {
  width: number;
  height: number;
  components: number;
  orientation: number;
}

/**
 * Reads the markers of `buf` up to the frame header. Returns null unless it is a JPEG this path
 * decodes (SOF0, SOF1 or SOF2; 1 or 3 components; no ICC profile; ends with EOI).
 */
export function plainJpegHeader(buf: Uint8Array): JpegHeader | null {
  const n = buf.length;
  if (n < 4 || buf[0] !== 0xff || buf[1] !== 0xd8 || buf[n - 2] !== 0xff || buf[n - 1] !== 0xd9) return null;
  let orientation = 1;
  let p = 2;
  while (p + 4 <= n) {
    if (buf[p] !== 0xff) return null;
    const marker = buf[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    const len = (buf[p + 2] << 8) | buf[p + 3];
    if (len < 2 || p + 2 + len > n) return null;
    const seg = p + 4;
    if (marker === 0xe1) {
      const o = exifOrientation(buf, seg, p + 2 + len);
      if (o !== null) orientation = o;
    } else if (marker === 0xe2 && buf[seg] === 0x49 && buf[seg + 1] === 0x43 && buf[seg + 2] === 0x43) {
      return null; // an ICC profile: libvips converts with it to sRGB
    } else if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (len < 8) return null;
      const height = (buf[seg + 1] << 8) | buf[seg + 2];
      const width = (buf[seg + 3] << 8) | buf[seg + 4];
      const components = buf[seg + 5];
      if (width === 0 || height === 0 || (components !== 1 && components !== 3)) return null;
      return { width, height, components, orientation };
    } else if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return null; // lossless, hierarchical or arithmetic coding: libvips decides
    } else if (marker === 0xda || marker === 0xd9) {
      return null; // scan or end before any frame header
    }
    p += 2 + len;
  }
  return null;
}

/** The orientation tag of an APP1 Exif segment [start, end), or null when there is none. */
function exifOrientation(b: Uint8Array, start: number, end: number): number | null {
  // "Exif\0\0", then a TIFF header: byte order, 42, offset of IFD0.
  if (end - start < 14 || b[start] !== 0x45 || b[start + 1] !== 0x78 || b[start + 2] !== 0x69 || b[start + 3] !== 0x66) return null;
  const t = start + 6;
  const le = b[t] === 0x49;
  if (!le && b[t] !== 0x4d) return null;
  const u16 = (o: number) => (le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
  const u32 = (o: number) => (le ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24 : b[o] * 2 ** 24 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]));
  const ifd = t + u32(t + 4);
  if (ifd + 2 > end) return 0; // unreadable Exif: not the plain case
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return 0;
    if (u16(e) === 0x0112) return u16(e + 8);
  }
  return null;
}

/**
 * `buf` decoded to 8-bit RGB by the wasm decoder when it is a plain JPEG and `format` asks for 3
 * channels at the file's own size (or any size); otherwise null.
 */
export async function decodePlainJpeg(buf: Uint8Array, format: ImageFormat): Promise<ImageU8 | null> {
  if ((format.channels ?? 3) !== 3) return null;
  const header = plainJpegHeader(buf);
  if (!header || header.orientation !== 1) return null;
  const size = formatSize(format);
  if (size && (size[0] !== header.width || size[1] !== header.height)) return null;
  const jpeg = await jpegDecoder();
  if (!jpeg) return null;
  let rgba: ReturnType<JpegModule['decode']>;
  try {
    rgba = jpeg.decode(buf, false);
  } catch {
    return null;
  }
  if (!rgba || rgba.width !== header.width || rgba.height !== header.height) return null;
  const img = createImageU8(rgba.width, rgba.height, 3);
  const src = rgba.data;
  const out = img.data;
  for (let i = 0, o = 0; o < out.length; i += 4, o += 3) {
    out[o] = src[i];
    out[o + 1] = src[i + 1];
    out[o + 2] = src[i + 2];
  }
  return img;
}
