import { FeatureFileError } from './feature-file-error.js';
import type { FeatureMetadata } from './feature-metadata.js';
import { openFeatureFile, readFeatureBatches, type ReadFeatureOptions } from './feature-reader.js';

/** Default ceiling for `loadFeatures`: beyond it, a whole-file Float32Array risks the heap. */
export const LOAD_FEATURES_MAX_BYTES = 1 << 30;

export interface LoadFeaturesOptions extends ReadFeatureOptions {
  /** Refuse files whose embeddings exceed this many bytes (default 1 GiB). */
  maxBytes?: number;
}

/** A whole feature file in memory. */
export interface LoadedFeatures {
  meta: FeatureMetadata;
  rows: number;
  dim: number;
  ids: string[];
  paths: (string | null)[];
  /** Int32Array when no row has a null label, otherwise one entry per row with nulls. */
  labels: Int32Array | (number | null)[];
  /** Row-major `rows × dim`. */
  embeddings: Float32Array;
  /** Files with annotation columns only: object class names per row (one per instance), null = none. */
  objects?: (string[] | null)[];
  /** Files with annotation columns only: scalar annotation fields per row (column `meta`), null = none. */
  rowMeta?: (Record<string, string> | null)[];
}

/** Loads a small feature file (e.g. a target DB) into one Float32Array plus arrays. */
export async function loadFeatures(path: string, opts: LoadFeaturesOptions = {}): Promise<LoadedFeatures> {
  const info = await openFeatureFile(path);
  const { dim } = info.meta;
  const maxBytes = opts.maxBytes ?? LOAD_FEATURES_MAX_BYTES;
  const bytes = info.rows * dim * 4;
  if (bytes > maxBytes) {
    throw new FeatureFileError(
      path,
      `${info.rows} rows × dim ${dim} = ${(bytes / 2 ** 20).toFixed(1)} MiB of embeddings exceeds the ` +
        `loadFeatures limit of ${(maxBytes / 2 ** 20).toFixed(1)} MiB; stream it with readFeatureBatches() ` +
        `instead (or raise maxBytes if the memory is really there)`,
    );
  }
  const embeddings = new Float32Array(info.rows * dim);
  const ids: string[] = new Array(info.rows);
  const paths: (string | null)[] = new Array(info.rows);
  const labelValues = new Int32Array(info.rows);
  let labelNulls: boolean[] | null = null;
  let objects: (string[] | null)[] | undefined;
  let rowMeta: (Record<string, string> | null)[] | undefined;
  let row = 0;
  for await (const b of readFeatureBatches(path, opts)) {
    const n = b.ids.length;
    if (row + n > info.rows) throw new FeatureFileError(path, `file holds more rows than its footer says (${info.rows})`, row);
    embeddings.set(b.embeddings, row * dim);
    if (b.objects) (objects ??= []).push(...b.objects);
    if (b.meta) (rowMeta ??= []).push(...b.meta);
    for (let i = 0; i < n; i++) {
      ids[row + i] = b.ids[i];
      paths[row + i] = b.paths[i];
      const label = b.labels[i];
      if (label === null) (labelNulls ??= new Array<boolean>(info.rows).fill(false))[row + i] = true;
      else labelValues[row + i] = label;
    }
    row += n;
  }
  if (row !== info.rows) throw new FeatureFileError(path, `read ${row} rows but the footer says ${info.rows}`);
  const nulls = labelNulls as boolean[] | null;
  const labels = nulls ? Array.from(labelValues, (v, i) => (nulls[i] ? null : v)) : labelValues;
  return {
    meta: info.meta,
    rows: info.rows,
    dim,
    ids,
    paths,
    labels,
    embeddings,
    ...(info.annotations ? { objects: objects ?? [], rowMeta: rowMeta ?? [] } : {}),
  };
}
