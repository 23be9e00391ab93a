import type { ImageRecord, ImageSource } from '@twindb/core-tensors/data';

/**
 * Several DBs read as one (e.g. pool + target, trained on together). Record ids are prefixed with
 * the source name so they stay unique. Labels are kept only when every labelled source has the same
 * class names (they then mean the same classes); otherwise the union is unlabelled, since label 3 of
 * one DB need not be label 3 of another.
 */
export function unionSources(sources: readonly ImageSource[]): ImageSource {
  if (sources.length === 0) throw new Error('unionSources: no source given');
  if (sources.length === 1) return sources[0];
  const labelled = sources.filter((s) => s.records.some((r) => r.label !== undefined));
  const names = labelled.map((s) => JSON.stringify(s.classNames ?? null));
  const keepLabels = names.every((n) => n === names[0]);
  const records: ImageRecord[] = [];
  const owner: Array<{ source: ImageSource; index: number }> = [];
  for (const s of sources) {
    s.records.forEach((r, i) => {
      records.push({ id: `${s.name}/${r.id}`, path: r.path, label: keepLabels ? r.label : undefined });
      owner.push({ source: s, index: i });
    });
  }
  const name = sources.map((s) => s.name).join(' + ');
  return {
    name,
    records,
    classNames: keepLabels ? labelled[0]?.classNames : undefined,
    load: async (i: number) => {
      const o = owner[i];
      if (!o) throw new RangeError(`${name}: index ${i} out of range [0, ${records.length})`);
      return o.source.load(o.index);
    },
  };
}
