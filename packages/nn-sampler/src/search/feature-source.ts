import type { FeatureBatch } from '@twindb/core-tensors';

/**
 * A set of embeddings that can be read in batches, from a feature file or from memory. Pools are
 * only ever streamed (`batches()`), so their size is bounded by disk, not memory.
 */
export interface FeatureSource {
  /** File path or a descriptive name, used in every error message. */
  readonly name: string;
  readonly dim: number;
  readonly rows: number;
  readonly encoder: string;
  /** SHA-256 of the encoder file, when the features record it (twindb extract does): compared instead of names. */
  readonly encoderSha256?: string;
  /** The DB spec the rows came from (metadata `db`). */
  readonly db: string;
  batches(): AsyncIterable<FeatureBatch>;
}

/** An in-memory source (tests, the demo, CSV-imported features already loaded). */
export function memoryFeatureSource(opts: {
  name: string;
  embeddings: Float32Array;
  dim: number;
  ids?: string[];
  paths?: (string | null)[];
  labels?: ArrayLike<number> | null;
  encoder?: string;
  encoderSha256?: string;
  db?: string;
  batchRows?: number;
}): FeatureSource {
  const rows = opts.embeddings.length / opts.dim;
  if (!Number.isInteger(rows)) throw new RangeError(`${opts.name}: ${opts.embeddings.length} values is not a multiple of dim ${opts.dim}`);
  const ids = opts.ids ?? Array.from({ length: rows }, (_, i) => String(i));
  const paths = opts.paths ?? new Array<string | null>(rows).fill(null);
  const labels = opts.labels ? Int32Array.from(opts.labels) : null;
  const batchRows = opts.batchRows ?? 8192;
  return {
    name: opts.name,
    dim: opts.dim,
    rows,
    encoder: opts.encoder ?? 'memory',
    ...(opts.encoderSha256 ? { encoderSha256: opts.encoderSha256 } : {}),
    db: opts.db ?? opts.name,
    async *batches() {
      for (let o = 0; o < rows; o += batchRows) {
        const e = Math.min(rows, o + batchRows);
        yield {
          ids: ids.slice(o, e),
          paths: paths.slice(o, e),
          labels: labels ? labels.slice(o, e) : new Array<number | null>(e - o).fill(null),
          embeddings: opts.embeddings.subarray(o * opts.dim, e * opts.dim),
          dim: opts.dim,
          rowOffset: o,
        };
      }
    },
  };
}
