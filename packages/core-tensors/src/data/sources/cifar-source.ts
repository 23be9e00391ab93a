import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fitImage } from '../decode/fit-image.js';
import { CIFAR100_TO_20, CIFAR20_CLASS_NAMES } from './cifar100-superclasses.js';
import type { ImageFormat, ImageRecord, ImageSource } from './image-source.js';
import { planarToImage } from './planar-image.js';
import { RecordFile } from './record-file.js';

export type CifarVariant = 'cifar10' | 'cifar100' | 'cifar100-20';

const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const IMAGE_BYTES = 3072;

/**
 * The CIFAR binary releases as users download them: `cifar-10-batches-bin/` (data_batch_1..5.bin,
 * test_batch.bin; records = 1 label byte + 3072 planar RGB bytes) and `cifar-100-binary/` (train.bin,
 * test.bin; records = coarse byte, fine byte, 3072 bytes). `dir` may be that folder or its parent.
 * CIFAR-100-20 maps the fine label through SCAN's table.
 */
export async function openCifarSource(
  variant: CifarVariant,
  dir: string,
  split: 'train' | 'test',
  opts: { format?: ImageFormat; name?: string } = {},
): Promise<ImageSource> {
  const name = opts.name ?? `${variant}:${dir}${split === 'train' ? '' : `?split=${split}`}`;
  const is10 = variant === 'cifar10';
  const sub = is10 ? 'cifar-10-batches-bin' : 'cifar-100-binary';
  const root = existsSync(path.join(dir, sub)) ? path.join(dir, sub) : dir;
  const fileNames = is10
    ? split === 'train'
      ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`)
      : ['test_batch.bin']
    : [`${split}.bin`];
  const missing = fileNames.filter((f) => !existsSync(path.join(root, f)));
  if (missing.length) {
    throw new Error(`${name}: missing ${missing.map((f) => path.join(root, f)).join(', ')} (expected the ${sub} release files)`);
  }
  const labelBytes = is10 ? 1 : 2;
  const files = await Promise.all(fileNames.map((f) => RecordFile.open(path.join(root, f), labelBytes + IMAGE_BYTES, name)));
  const records: ImageRecord[] = [];
  const where: [RecordFile, number][] = [];
  for (const rf of files) {
    const labelColumn = await rf.column(is10 ? 0 : 1);
    const base = path.basename(rf.file, '.bin');
    for (let i = 0; i < rf.count; i++) {
      const raw = labelColumn[i];
      const max = is10 ? 10 : 100;
      if (raw >= max) throw new Error(`${name}: ${rf.file} record ${i}: label ${raw} out of range [0, ${max})`);
      records.push({ id: `${base}/${i}`, label: variant === 'cifar100-20' ? CIFAR100_TO_20[raw] : raw });
      where.push([rf, i]);
    }
  }
  const classNames =
    variant === 'cifar10'
      ? await readNames(path.join(root, 'batches.meta.txt'), CIFAR10_NAMES)
      : variant === 'cifar100-20'
        ? [...CIFAR20_CLASS_NAMES]
        : await readNames(path.join(root, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => String(i)));
  const format = opts.format ?? {};
  return {
    name,
    records,
    classNames,
    load: async (i) => {
      const [rf, k] = where[i];
      const rec = await rf.read(k);
      return fitImage(planarToImage(rec.subarray(labelBytes), 32), format);
    },
  };
}

/** Class names, one per line, from the release's meta file when present. */
export async function readNames(file: string, fallback: readonly string[]): Promise<string[]> {
  if (!existsSync(file)) return [...fallback];
  const names = (await readFile(file, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return names.length === fallback.length ? names : [...fallback];
}
