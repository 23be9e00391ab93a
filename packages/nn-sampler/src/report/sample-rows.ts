import type { Rng } from '@twindb/core-tensors';
import { takeRows, type EmbeddingMatrix } from '../embedding-matrix.js';

/** At most `max` rows drawn without replacement (all rows, in order, when there are fewer). */
export function sampleRows(m: EmbeddingMatrix, max: number, rng: Rng): EmbeddingMatrix {
  if (m.rows <= max) return m;
  const idx = rng.permutation(m.rows).subarray(0, max).sort();
  return takeRows(m, idx);
}
