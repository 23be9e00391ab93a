import { openFeatureFile, readFeatureBatches, Rng } from '@twindb/core-tensors';
import { UMAP } from 'umap-js';

/** Rows drawn from a feature file: ids and embeddings. */
export interface SampledRows {
  ids: string[];
  vectors: Float32Array[];
  /** Rows in the file(s). */
  total: number;
}

/**
 * Up to `max` rows of feature files, chosen uniformly with a seeded generator and read one record
 * batch at a time (a multi-GB pool never sits in memory whole). `skip` ids are left out.
 */
export async function sampleFeatureRows(files: readonly string[], max: number, seed: number, skip: ReadonlySet<string> = new Set()): Promise<SampledRows> {
  const infos = await Promise.all(files.map((f) => openFeatureFile(f)));
  const total = infos.reduce((a, i) => a + i.rows, 0);
  const rng = new Rng(seed);
  // Choose more than needed when some rows are skipped, then cut back after reading.
  const want = Math.min(total, max + Math.min(skip.size, total));
  const chosen = new Set<number>(Array.from(rng.permutation(total).subarray(0, want)));
  const picked: { order: number; id: string; v: Float32Array }[] = [];
  const rank = new Map<number, number>();
  Array.from(chosen).forEach((g, k) => rank.set(g, k));
  let offset = 0;
  for (let fi = 0; fi < files.length; fi++) {
    for await (const b of readFeatureBatches(files[fi], { validate: false })) {
      for (let r = 0; r < b.ids.length; r++) {
        const g = offset + b.rowOffset + r;
        if (!chosen.has(g) || skip.has(b.ids[r])) continue;
        picked.push({ order: rank.get(g)!, id: b.ids[r], v: b.embeddings.slice(r * b.dim, (r + 1) * b.dim) });
      }
    }
    offset += infos[fi].rows;
  }
  picked.sort((a, b) => a.order - b.order);
  const kept = picked.slice(0, max);
  return { ids: kept.map((p) => p.id), vectors: kept.map((p) => p.v), total };
}

export interface MapInput {
  name: string;
  vectors: readonly Float32Array[];
}

/**
 * A seeded 2-D UMAP of all groups together (cosine metric, as the embeddings are compared);
 * returns one array of [x, y] per group, in the order given. Fewer than 4 points in all: null.
 */
export function umapLayout(groups: readonly MapInput[], seed: number, opts: { nNeighbors?: number; nEpochs?: number } = {}): [number, number][][] | null {
  const data = groups.flatMap((g) => g.vectors.map((v) => Array.from(v)));
  if (data.length < 4) return null;
  const rng = new Rng(seed);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.max(2, Math.min(opts.nNeighbors ?? 15, data.length - 1)),
    minDist: 0.1,
    nEpochs: opts.nEpochs ?? 200,
    distanceFn: cosine,
    random: () => rng.next(),
  });
  const xy = umap.fit(data);
  const out: [number, number][][] = [];
  let k = 0;
  for (const g of groups) {
    out.push(g.vectors.map(() => {
      const p = xy[k++];
      return [p[0], p[1]] as [number, number];
    }));
  }
  return out;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const d = na > 0 && nb > 0 ? 1 - dot / Math.sqrt(na * nb) : 1;
  return Math.max(0, d);
}
