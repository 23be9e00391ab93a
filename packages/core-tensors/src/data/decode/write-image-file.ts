import path from 'node:path';
import sharp from 'sharp';
import { UsageError } from '../../errors/twindb-error.js';
import { writeFileAtomic } from '../../run/atomic-file.js';
import type { ImageU8 } from '../image.js';

export type ImageFileFormat = 'png' | 'jpeg' | 'webp';

/** Encodes an 8-bit image (grey or RGB) as PNG, JPEG or WebP bytes. */
export async function encodeImage(img: ImageU8, format: ImageFileFormat, opts: { quality?: number } = {}): Promise<Uint8Array> {
  const p = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 } });
  const encoded = format === 'png' ? p.png() : format === 'jpeg' ? p.jpeg({ quality: opts.quality ?? 90 }) : p.webp({ quality: opts.quality ?? 90 });
  return new Uint8Array(await encoded.toBuffer());
}

/**
 * Encodes an 8-bit image to a file whose extension picks the format (.png, .jpg/.jpeg, .webp),
 * written atomically with twindb's output rules (a reader never sees half a file; inputs, links and
 * devices are never replaced).
 */
export async function writeImageFile(img: ImageU8, file: string, opts: { quality?: number } = {}): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const format: ImageFileFormat | undefined = ext === '.png' ? 'png' : ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : undefined;
  if (!format) throw new UsageError(`cannot write ${file}: unsupported extension "${ext}" (expected .png, .jpg, .jpeg or .webp)`);
  await writeFileAtomic(file, await encodeImage(img, format, opts));
}
