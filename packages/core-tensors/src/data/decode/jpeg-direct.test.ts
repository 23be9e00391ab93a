import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import { decodePlainJpeg, plainJpegHeader } from './jpeg-direct.js';

/** A smooth random RGB picture (JPEG-friendly, so that decoding differences would show). */
function picture(w: number, h: number, seed: string): Buffer {
  const rng = new Rng(seed);
  const a = [rng.uniform() * 6, rng.uniform() * 6, rng.uniform() * 6];
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = Math.round(127.5 + 120 * Math.sin(a[c] * (x / w) + (c + 1) * (y / h) * 3) + 8 * rng.normal());
    }
  }
  return px;
}

/** What libvips (the path every other file takes) decodes: 8-bit RGB. */
async function viaLibvips(buf: Buffer): Promise<Uint8Array> {
  const { data } = await sharp(buf).rotate().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** `jpeg` with an APP1 Exif segment holding only an orientation tag, in either byte order. */
function withOrientation(jpeg: Buffer, orientation: number, littleEndian: boolean): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  const u16 = (v: number, o: number) => (littleEndian ? tiff.writeUInt16LE(v, o) : tiff.writeUInt16BE(v, o));
  const u32 = (v: number, o: number) => (littleEndian ? tiff.writeUInt32LE(v, o) : tiff.writeUInt32BE(v, o));
  tiff.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(1, 8); // one entry
  u16(0x0112, 10); // Orientation, SHORT, count 1, value
  u16(3, 12);
  u32(1, 14);
  u16(orientation, 18);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

describe('decodePlainJpeg (libjpeg-turbo in wasm)', () => {
  const variants: Array<[string, number, number, (s: sharp.Sharp) => sharp.Sharp]> = [
    ['4:2:0 baseline', 96, 96, (s) => s.jpeg({ quality: 90 })],
    ['4:4:4', 32, 32, (s) => s.jpeg({ quality: 75, chromaSubsampling: '4:4:4' })],
    ['progressive, odd size', 37, 29, (s) => s.jpeg({ quality: 85, progressive: true })],
    ['greyscale', 50, 40, (s) => s.greyscale().jpeg({ quality: 80 })],
    ['low quality, restart-free', 64, 48, (s) => s.jpeg({ quality: 20 })],
  ];
  for (const [name, w, h, encode] of variants) {
    it(`gives libvips' bytes exactly: ${name} ${w}×${h}`, async () => {
      const buf = await encode(sharp(picture(w, h, name), { raw: { width: w, height: h, channels: 3 } })).toBuffer();
      expect(plainJpegHeader(buf)).toMatchObject({ width: w, height: h, orientation: 1 });
      const img = await decodePlainJpeg(buf, {});
      expect(img).not.toBeNull();
      expect(img!.channels).toBe(3);
      expect([img!.width, img!.height]).toEqual([w, h]);
      expect(Buffer.from(img!.data).equals(Buffer.from(await viaLibvips(buf)))).toBe(true);
      // The file's own size requested: still the direct path.
      expect(await decodePlainJpeg(buf, { size: [w, h] })).not.toBeNull();
    });
  }

  it('leaves everything else to libvips (null): orientation, ICC profile, CMYK, truncation, resizing, grey output, not a JPEG', async () => {
    const raw = sharp(picture(40, 30, 'other'), { raw: { width: 40, height: 30, channels: 3 } });
    const plain = await raw.clone().jpeg().toBuffer();
    expect(await decodePlainJpeg(plain, {})).not.toBeNull();
    for (const le of [true, false]) {
      const rotated = withOrientation(plain, 6, le);
      expect((await sharp(rotated).metadata()).orientation).toBe(6); // a real Exif orientation
      expect(plainJpegHeader(rotated)?.orientation).toBe(6);
      expect(await decodePlainJpeg(rotated, {})).toBeNull();
      expect(await decodePlainJpeg(withOrientation(plain, 1, le), {})).not.toBeNull();
    }
    expect(await decodePlainJpeg(await raw.clone().jpeg().withIccProfile('p3').toBuffer(), {})).toBeNull();
    expect(await decodePlainJpeg(await raw.clone().toColourspace('cmyk').jpeg().toBuffer(), {})).toBeNull();
    expect(await decodePlainJpeg(plain.subarray(0, plain.length - 100), {})).toBeNull();
    expect(await decodePlainJpeg(plain, { size: [20, 15] })).toBeNull();
    expect(await decodePlainJpeg(plain, { channels: 1 })).toBeNull();
    expect(await decodePlainJpeg(await raw.clone().png().toBuffer(), {})).toBeNull();
    expect(await decodePlainJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), {})).toBeNull();
  });
});
