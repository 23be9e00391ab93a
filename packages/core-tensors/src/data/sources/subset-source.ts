import { hashString, Rng } from '../../math/random.js';
import type { ClassSelector } from '../spec/class-filter.js';
import type { ImageRecord, ImageSource } from './image-source.js';

export interface Selection {
  classes?: readonly ClassSelector[];
  n?: number;
  seed?: number;
}

/**
 * The records of `source` that pass a class filter, then a seeded random subset of `n` of them kept
 * in source order. Class names in the filter resolve through the source's class names.
 */
export function selectRecords(source: ImageSource, sel: Selection): ImageSource {
  if (!sel.classes && sel.n === undefined) return source;
  let indices: number[] = source.records.map((_, i) => i);
  if (sel.classes) {
    const wanted = new Set<number>();
    for (const c of sel.classes) {
      if (typeof c === 'number') {
        wanted.add(c);
      } else {
        const id = source.classNames?.indexOf(c) ?? -1;
        if (id < 0) {
          const known = source.classNames?.length ? source.classNames.join(', ') : 'none (the source has no class names)';
          throw new Error(`${source.name}: unknown class "${c}" in the classes filter (known classes: ${known})`);
        }
        wanted.add(id);
      }
    }
    indices = indices.filter((i) => {
      const l = source.records[i].label;
      return l !== undefined && wanted.has(l);
    });
  }
  if (sel.n !== undefined && sel.n < indices.length) {
    const rng = new Rng(hashString(`${source.name.replace(/\?.*$/, '')}#n`) ^ (sel.seed ?? 0));
    const pick = rng.permutation(indices.length).subarray(0, sel.n);
    const sorted = Array.from(pick).sort((a, b) => a - b);
    indices = sorted.map((k) => indices[k]);
  }
  if (indices.length === 0) {
    throw new Error(`${source.name}: the selection keeps no image (classes filter matched nothing)`);
  }
  return subsetSource(source, indices);
}

/** A view of `source` restricted to `indices` (in that order). */
export function subsetSource(source: ImageSource, indices: readonly number[], name = source.name): ImageSource {
  const records: ImageRecord[] = indices.map((i) => source.records[i]);
  return {
    name,
    records,
    classNames: source.classNames,
    ...(source.skipped ? { skipped: source.skipped } : {}),
    ...(source.annotated ? { annotated: true } : {}),
    ...(source.annotationProblems ? { annotationProblems: source.annotationProblems } : {}),
    // The records keep their paths, so a file-decoding source stays one.
    ...(source.fileFormat ? { fileFormat: source.fileFormat } : {}),
    load: (i: number) => {
      if (!(i >= 0 && i < indices.length)) throw new RangeError(`${name}: index ${i} out of range [0, ${indices.length})`);
      return source.load(indices[i]);
    },
  };
}
