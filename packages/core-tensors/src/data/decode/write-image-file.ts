import { rename } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageU8 } from '../image.js';

/**
 * Encodes an 8-bit image to a file whose extension picks the format (.png, .jpg/.jpeg, .webp),
 * through a temporary name and a rename, so a reader never sees half a file.
 */
export async function writeImageFile(img: ImageU8, file: string, opts: { quality?: number } = {}): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  let p = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 } });
  if (ext === '.png') p = p.png();
  else if (ext === '.jpg' || ext === '.jpeg') p = p.jpeg({ quality: opts.quality ?? 90 });
  else if (ext === '.webp') p = p.webp({ quality: opts.quality ?? 90 });
  else throw new Error(`cannot write ${file}: unsupported extension "${ext}" (expected .png, .jpg, .jpeg or .webp)`);
  const tmp = `${file}.tmp-${process.pid}${ext}`;
  await p.toFile(tmp);
  await rename(tmp, file);
}
