import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputDataError } from '../../errors/twindb-error.js';
import type { RejectedImage } from '../decode/rejected-images.js';
import { boundedMap } from '../decode/bounded-map.js';
import { decodeImageFile } from '../decode/decode-image-file.js';
import { IMAGE_EXTENSIONS, listImageFiles } from './folder-source.js';
import type { AnnotationProblem, ImageFormat, ImageRecord, ImageSource } from './image-source.js';
import { parseVocAnnotation, XmlSyntaxError } from './voc-xml.js';

export interface VocSourceOptions {
  /**
   * An image-set list (`ImageSets/Main/train.txt`), relative to the root or absolute: one image
   * name per line (the first field; further fields, as in VOC's per-class lists, are ignored).
   * Default: every image under `JPEGImages/`.
   */
  set?: string;
  format?: ImageFormat;
  name?: string;
  /** Where notes about skipped annotations and files go (default: stderr). */
  warn?: (msg: string) => void;
}

/** Extensions tried, in this order, for a listed name given without one. */
const LISTED_EXTENSIONS = ['.jpg', '.png', '.jpeg', '.JPG', '.PNG', '.JPEG'];
/** Annotation files read at once while opening. */
const ANNOTATION_CONCURRENCY = 32;

/**
 * A Pascal-VOC-layout DB (`JPEGImages/<name>.jpg|png`, `Annotations/<name>.xml`, `ImageSets/…`),
 * as the seed's driving datasets are laid out. Ids are the image names without extension (what
 * the fork's ImageSets list). An image's annotation, when present, gives its object class names
 * (`objects`, one per instance) and scalar fields (`meta`, e.g. `weather`, `time_zone`, `road`).
 * An annotation that cannot be read or parsed is reported by a warning naming the file (and line)
 * and skipped; its image stays. A listed name with no image is an InputDataError naming the list
 * file and line. Without a list, `JPEGImages/` is walked by the folder source's rules (symbolic
 * links followed once per real folder, each real file once).
 */
export async function openVocSource(root: string, opts: VocSourceOptions = {}): Promise<ImageSource> {
  const name = opts.name ?? `voc:${root}${opts.set ? `?set=${opts.set}` : ''}`;
  const warn = opts.warn ?? defaultWarn;
  const abs = path.resolve(root);
  const imageDir = path.join(abs, 'JPEGImages');
  const annotationDir = path.join(abs, 'Annotations');
  const st = await stat(imageDir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new InputDataError(`${name}: ${imageDir} is not a folder (a VOC-layout DB has JPEGImages/, and optionally Annotations/ and ImageSets/)`);
  }
  const listed = opts.set === undefined ? await walkImages(imageDir, name, warn) : { ...(await readImageSet(abs, imageDir, opts.set, name)), skipped: [] };
  const { images, skipped } = listed;
  if (images.length === 0) throw new InputDataError(`${name}: no image files found under ${imageDir} (expected ${IMAGE_EXTENSIONS.join(' ')})`);

  const problems: AnnotationProblem[] = [];
  const records: ImageRecord[] = [];
  let missing = 0;
  const read = async (img: { id: string; path: string }) => {
    const file = path.join(annotationDir, ...`${img.id}.xml`.split('/'));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { file, annotation: undefined };
      return { file, problem: { reason: `cannot read it (${code ?? (err as Error).message})` } };
    }
    try {
      return { file, annotation: parseVocAnnotation(text) };
    } catch (err) {
      if (err instanceof XmlSyntaxError) return { file, problem: { line: err.line, reason: err.message.replace(/^line \d+: /, '') } };
      throw err;
    }
  };
  for await (const r of boundedMap(images, read, { concurrency: ANNOTATION_CONCURRENCY, prefetch: ANNOTATION_CONCURRENCY })) {
    if (!r.ok) throw r.error;
    const img = r.item;
    const { file, annotation, problem } = r.value;
    if (problem) {
      const p: AnnotationProblem = { id: img.id, path: file, ...problem };
      problems.push(p);
      warn(`${name}: skipped the annotation ${file}${p.line === undefined ? '' : ` line ${p.line}`}: ${p.reason} (its image is kept, without objects or metadata)`);
    } else if (!annotation) missing++;
    records.push(annotation ? { ...img, annotationPath: file, objects: annotation.objects, meta: annotation.meta } : { ...img, annotationPath: file });
  }
  if (missing > 0) {
    warn(`${name}: ${missing} of ${records.length} images have no ${path.join(annotationDir, '<name>.xml')} (no objects or metadata for them)`);
  }
  const format = opts.format ?? {};
  return {
    name,
    records,
    skipped,
    annotated: true,
    annotationProblems: problems,
    fileFormat: format,
    load: (i) => decodeImageFile(records[i].path!, format),
  };
}

/** Every image under JPEGImages/ (folder-walk rules); ids without extension, the first of a.jpg / a.png kept. */
async function walkImages(imageDir: string, name: string, warn: (m: string) => void): Promise<{ images: { id: string; path: string }[]; skipped: RejectedImage[] }> {
  const { files, skipped } = await listImageFiles(imageDir);
  const images: { id: string; path: string }[] = [];
  const first = new Map<string, string>();
  for (const f of files) {
    const rel = path.relative(imageDir, f).split(path.sep).join('/');
    const id = rel.slice(0, rel.length - path.extname(rel).length);
    const prev = first.get(id);
    if (prev !== undefined) {
      skipped.push({ id: rel, path: f, reason: `same image name "${id}" as ${prev}, already listed` });
      continue;
    }
    first.set(id, f);
    images.push({ id, path: f });
  }
  if (skipped.length > 0) {
    warn(
      `${name}: ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} skipped (symbolic-link loops, a second path to a folder or file already listed, or a second image of the same name), e.g. ${skipped[0].path}: ${skipped[0].reason}`,
    );
  }
  return { images, skipped };
}

/** The images an ImageSets list names, in list order; a name with no image is an error naming the line. */
async function readImageSet(abs: string, imageDir: string, set: string, name: string): Promise<{ images: { id: string; path: string }[] }> {
  const listFile = path.resolve(abs, set);
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch (err) {
    throw new InputDataError(`${name}: cannot read the image-set list ${listFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const dirCache = new Map<string, Promise<Set<string>>>();
  const entries = (dir: string) => {
    let p = dirCache.get(dir);
    if (!p) {
      p = readdir(dir, { withFileTypes: true }).then(
        (es: Dirent[]) => new Set(es.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name)),
        () => new Set<string>(),
      );
      dirCache.set(dir, p);
    }
    return p;
  };
  const exists = async (rel: string) => {
    const full = path.join(imageDir, ...rel.split('/'));
    return (await entries(path.dirname(full))).has(path.basename(full));
  };
  const images: { id: string; path: string }[] = [];
  const lineOf = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const field = lines[i].trim().split(/\s+/)[0] ?? '';
    if (field === '' || field.startsWith('#')) continue;
    const entry = field.replace(/\\/g, '/');
    if (entry.split('/').some((part) => part === '..')) {
      throw new InputDataError(`${name}: ${listFile} line ${line}: "${field}" leaves JPEGImages/ (".." is not allowed in an image name)`);
    }
    const ext = path.extname(entry);
    const hasExt = IMAGE_EXTENSIONS.includes(ext.toLowerCase());
    const candidates = [...(hasExt ? [entry] : []), ...LISTED_EXTENSIONS.map((e) => `${entry}${e}`)];
    let found: string | undefined;
    for (const c of candidates) {
      if (await exists(c)) {
        found = c;
        break;
      }
    }
    if (found === undefined) {
      throw new InputDataError(
        `${name}: ${listFile} line ${line}: no image for "${field}" (looked for ${path.join(imageDir, hasExt ? entry : `${entry}.jpg`)}${hasExt ? '' : ' and .png/.jpeg'})`,
      );
    }
    const id = found.slice(0, found.length - path.extname(found).length);
    const prev = lineOf.get(id);
    if (prev !== undefined) throw new InputDataError(`${name}: ${listFile} line ${line}: "${field}" is already listed on line ${prev}`);
    lineOf.set(id, line);
    images.push({ id, path: path.join(imageDir, ...found.split('/')) });
  }
  if (images.length === 0) throw new InputDataError(`${name}: the image-set list ${listFile} names no image`);
  return { images };
}

function defaultWarn(msg: string): void {
  process.stderr.write(`warning: ${msg}\n`);
}
