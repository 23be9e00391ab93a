import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { syntheticScene, writeImageFile } from '@twindb/core-tensors/data';

/** `count` synthetic size×size scenes as JPEGs (`img_00000.jpg`, ...), 50 encodes at a time. */
export async function writeSyntheticJpegs(dir: string, size: number, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, k) => {
        const file = path.join(dir, `img_${String(i + k).padStart(5, '0')}.jpg`);
        return writeImageFile(syntheticScene(size, i + k + 1), file, { quality: 90 });
      }),
    );
  }
}
