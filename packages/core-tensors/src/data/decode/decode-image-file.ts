import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createImageU8, type ImageU8 } from '../image.js';
import { formatSize, type ImageFormat } from '../sources/image-source.js';
import { decodeBmp, isBmp } from './bmp.js';
import { ImageReadError } from './image-read-error.js';
import { decodePlainJpeg } from './jpeg-direct.js';

// Many small images: libvips' operation cache only costs memory here.
sharp.cache(false);

/**
 * Decodes one image file to 8-bit RGB (or grey) at the requested size: EXIF orientation applied,
 * alpha dropped (as PIL's convert('RGB')), 16-bit reduced to 8-bit, grey replicated to 3 channels.
 * Any failure becomes an ImageReadError naming the file.
 */
export async function decodeImageFile(file: string, format: ImageFormat = {}): Promise<ImageU8> {
  // libvips reads the file itself on its worker thread; that saves the four libuv round trips of
  // readFile per image, which dominate for CIFAR-sized files. JPEGs are read here instead (the
  // buffer path sends plain ones to the wasm decoder, ten times cheaper than a libvips pipeline,
  // and the rest to libvips from the same buffer), as are BMPs (not read by libvips) and failures,
  // which the buffer path also diagnoses.
  if (!/\.(bmp|jpe?g)$/i.test(file)) {
    try {
      return await toImage(sharp(file, { failOn: 'truncated' }).rotate(), format);
    } catch {
      // Diagnosed below.
    }
  }
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImageReadError(file, code === 'ENOENT' ? 'file not found' : String((err as Error).message));
  }
  if (buf.length === 0) throw new ImageReadError(file, 'empty file');
  try {
    return await decodeImageBuffer(buf, format);
  } catch (err) {
    throw new ImageReadError(file, (err as Error).message.split('\n')[0]);
  }
}

export async function decodeImageBuffer(buf: Uint8Array, format: ImageFormat = {}): Promise<ImageU8> {
  const direct = await decodePlainJpeg(buf, format);
  if (direct) return direct;
  let pipeline: sharp.Sharp;
  if (isBmp(buf)) {
    const raw = decodeBmp(buf);
    pipeline = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });
  } else {
    // failOn 'truncated' rejects cut-off files instead of returning a half-grey image.
    pipeline = sharp(buf, { failOn: 'truncated' }).rotate();
  }
  return toImage(pipeline, format);
}

async function toImage(input: sharp.Sharp, format: ImageFormat): Promise<ImageU8> {
  const channels = format.channels ?? 3;
  let pipeline = input;
  const size = formatSize(format);
  if (size) {
    const fit = format.fit ?? 'crop';
    pipeline = pipeline.resize(size[0], size[1], {
      fit: fit === 'crop' ? 'cover' : fit === 'pad' ? 'contain' : 'fill',
      position: 'centre',
      background: { r: 0, g: 0, b: 0, alpha: 1 },
    });
  }
  pipeline = pipeline.removeAlpha().toColourspace(channels === 1 ? 'b-w' : 'srgb');
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) {
    throw new Error(`decoder produced ${info.channels} channels, expected ${channels}`);
  }
  return createImageU8(info.width, info.height, channels, new Uint8Array(data.buffer, data.byteOffset, data.length));
}
