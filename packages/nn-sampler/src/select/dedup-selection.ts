import { topKCosine } from '@twindb/core-tensors';
import type { EmbeddingMatrix } from '../embedding-matrix.js';
import type { Selection } from './selection.js';

/**
 * Near-duplicate removal inside a selection: items are visited closest-to-their-target first, and
 * an item within cosine distance `d` of an already kept item is dropped; its weight moves to that
 * item, so the weights still sum to the covered targets. `embeddings` row i belongs to sel.pool[i].
 */
export function dedupSelection(sel: Selection, embeddings: EmbeddingMatrix, d: number): { selection: Selection; dropped: number } {
  const n = sel.pool.length;
  if (n < 2) return { selection: sel, dropped: 0 };
  const k = Math.min(n, 33);
  const nn = topKCosine(embeddings.data, embeddings.data, embeddings.dim, k, { excludeSelf: true, maxDistance: d });
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sel.distance[a] - sel.distance[b] || a - b);
  const keptAs = new Int32Array(n).fill(-1);
  const kept = new Uint8Array(n);
  for (const i of order) {
    let into = -1;
    for (let j = 0; j < k - 1; j++) {
      const o = nn.indices[i * k + j];
      if (o < 0) break;
      if (kept[o]) {
        into = o;
        break;
      }
    }
    if (into < 0) {
      kept[i] = 1;
      keptAs[i] = i;
    } else keptAs[i] = into;
  }
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) weight[keptAs[i]] += sel.weight[i];
  const idx = Array.from({ length: n }, (_, i) => i).filter((i) => kept[i]);
  const pick = <T extends Int32Array | Float32Array | Float64Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(idx.length);
    idx.forEach((i, j) => (out[j] = a[i]));
    return out;
  };
  return {
    selection: {
      ...sel,
      pool: pick(sel.pool),
      weight: pick(weight),
      closestTarget: pick(sel.closestTarget),
      distance: pick(sel.distance),
      hits: pick(sel.hits),
      assignedTarget: pick(sel.assignedTarget),
      details: { ...sel.details, dedup: { distance: d, dropped: n - idx.length, kept: idx.length } },
    },
    dropped: n - idx.length,
  };
}
