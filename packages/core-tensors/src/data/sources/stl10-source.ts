import { existsSync } from 'node:fs';
import path from 'node:path';
import { fitImage } from '../decode/fit-image.js';
import { readNames } from './cifar-source.js';
import type { ImageFormat, ImageRecord, ImageSource } from './image-source.js';
import { planarToImage } from './planar-image.js';
import { RecordFile } from './record-file.js';

export type Stl10Split = 'train' | 'test' | 'unlabeled' | 'train+unlabeled';

const STL_NAMES = ['airplane', 'bird', 'car', 'cat', 'deer', 'dog', 'horse', 'monkey', 'ship', 'truck'];
const SIDE = 96;
const IMAGE_BYTES = 3 * SIDE * SIDE;

/**
 * STL-10's `stl10_binary/` release: <split>_X.bin (uint8, 3×96×96 per image, each plane column-major)
 * and <split>_y.bin (1-based labels). In train+unlabeled the unlabelled images carry no label.
 * `dir` may be the stl10_binary folder or its parent.
 */
export async function openStl10Source(
  dir: string,
  split: Stl10Split,
  opts: { format?: ImageFormat; name?: string } = {},
): Promise<ImageSource> {
  const name = opts.name ?? `stl10:${dir}${split === 'train' ? '' : `?split=${split}`}`;
  const root = existsSync(path.join(dir, 'stl10_binary')) ? path.join(dir, 'stl10_binary') : dir;
  const parts: ('train' | 'test' | 'unlabeled')[] = split === 'train+unlabeled' ? ['train', 'unlabeled'] : [split];
  const expected = parts.flatMap((p) => (p === 'unlabeled' ? [`${p}_X.bin`] : [`${p}_X.bin`, `${p}_y.bin`]));
  const missing = expected.filter((f) => !existsSync(path.join(root, f)));
  if (missing.length) {
    throw new Error(`${name}: missing ${missing.map((f) => path.join(root, f)).join(', ')} (expected the stl10_binary release files)`);
  }
  const records: ImageRecord[] = [];
  const where: [RecordFile, number][] = [];
  for (const p of parts) {
    const images = await RecordFile.open(path.join(root, `${p}_X.bin`), IMAGE_BYTES, name);
    let labels: Uint8Array | undefined;
    if (p !== 'unlabeled') {
      const lf = await RecordFile.open(path.join(root, `${p}_y.bin`), 1, name);
      if (lf.count !== images.count) {
        throw new Error(`${name}: ${lf.file} has ${lf.count} labels but ${images.file} has ${images.count} images`);
      }
      labels = await lf.column(0);
    }
    for (let i = 0; i < images.count; i++) {
      if (labels) {
        const l = labels[i];
        if (l < 1 || l > 10) throw new Error(`${name}: ${p}_y.bin record ${i}: label ${l} out of range [1, 10]`);
        records.push({ id: `${p}/${i}`, label: l - 1 });
      } else {
        records.push({ id: `${p}/${i}` });
      }
      where.push([images, i]);
    }
  }
  const classNames = await readNames(path.join(root, 'class_names.txt'), STL_NAMES);
  const format = opts.format ?? {};
  return {
    name,
    records,
    classNames,
    load: async (i) => {
      const [rf, k] = where[i];
      return fitImage(planarToImage(await rf.read(k), SIDE, true), format);
    },
  };
}
