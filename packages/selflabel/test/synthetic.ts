import { FeatureWriter, Rng } from '@twindb/core-tensors';

/**
 * `clusters` well-separated Gaussian blobs in `dim`-d (random unit centres, noise σ), L2-normalised,
 * written as a twindb feature file with labels = blob index.
 */
export async function writeBlobs(file: string, opts: { n?: number; dim?: number; clusters?: number; sigma?: number; seed?: string; labels?: boolean } = {}): Promise<void> {
  const n = opts.n ?? 500;
  const dim = opts.dim ?? 16;
  const k = opts.clusters ?? 5;
  const sigma = opts.sigma ?? 0.15;
  const centres = new Rng('blobs:centres');
  const c = Array.from({ length: k }, () => {
    const v = Array.from({ length: dim }, () => centres.normal());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  const rng = new Rng(opts.seed ?? 'blobs:points');
  const emb = new Float32Array(n * dim);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = i % k;
    labels.push(l);
    let norm = 0;
    const v = c[l].map((x) => x + sigma * rng.normal());
    for (const x of v) norm += x * x;
    v.forEach((x, j) => (emb[i * dim + j] = x / Math.sqrt(norm)));
  }
  const w = await FeatureWriter.create(file, { encoder: 'synthetic', dim, normalized: true, db: `blobs:${opts.seed ?? 'points'}` });
  await w.appendBatch({ ids: labels.map((_, i) => `s${i}`), paths: labels.map((_, i) => `img/${i}.png`), labels: opts.labels === false ? labels.map(() => null) : labels, embeddings: emb });
  await w.close();
}

/** A small SCAN config for the synthetic blobs. */
export function blobConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    setup: 'scan',
    backbone: 'small-cnn',
    train_db: 'mnist:pool',
    val_db: 'mnist:heldout',
    num_classes: 5,
    num_heads: 3,
    num_neighbors: 10,
    criterion: 'scan',
    criterion_kwargs: { entropy_weight: 5 },
    epochs: 15,
    batch_size: 100,
    optimizer: 'adam',
    optimizer_kwargs: { lr: 0.003, weight_decay: 0.0001 },
    scheduler: 'constant',
    seed: 0,
    ...over,
  };
}
