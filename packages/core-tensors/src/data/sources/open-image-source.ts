import { formatDbSpec, parseDbSpec, type DbSpec } from '../spec/db-spec.js';
import { openCifarSource } from './cifar-source.js';
import { openFolderSource } from './folder-source.js';
import type { ImageFormat, ImageSource } from './image-source.js';
import { openListFileSource } from './list-file-source.js';
import { openMnistSource } from './mnist-source.js';
import { openStl10Source } from './stl10-source.js';
import { selectRecords } from './subset-source.js';
import { openVocSource } from './voc-source.js';

export interface OpenSourceOptions {
  format?: ImageFormat;
  warn?: (msg: string) => void;
}

/** Opens the DB a spec (string or object) names, with its class and count filters applied. */
export async function openImageSource(spec: string | DbSpec | unknown, opts: OpenSourceOptions = {}): Promise<ImageSource> {
  const s = parseDbSpec(spec);
  const name = formatDbSpec(s);
  const format = opts.format;
  let src: ImageSource;
  switch (s.source) {
    case 'folder':
      src = await openFolderSource(s.path, { labels: s.labels, format, name, warn: opts.warn });
      break;
    case 'list':
      src = await openListFileSource(s.path, { format, name });
      break;
    case 'mnist':
      src = await openMnistSource(s.split, { format, name });
      break;
    case 'cifar10':
    case 'cifar100':
    case 'cifar100-20':
      src = await openCifarSource(s.source, s.path, s.split, { format, name });
      break;
    case 'stl10':
      src = await openStl10Source(s.path, s.split, { format, name });
      break;
    case 'voc':
      src = await openVocSource(s.path, { set: s.set, format, name, warn: opts.warn });
      break;
  }
  return selectRecords(src, s);
}
