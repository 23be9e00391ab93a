import { promises as fs } from 'node:fs';
import path from 'node:path';
import { importFeaturesCsv, openFeatureFile, readFeatureBatches } from '@twindb/core-tensors';
import type { FeatureSource } from '../search/feature-source.js';

/**
 * A feature file as a FeatureSource. A `.csv` file (`path,f0..f{d−1}` with a header, or the fork's
 * headerless `name,f0,f1,…`; `dim` = --feature_dim, checked) is first
 * imported into an Arrow file under `scratchDir`, with every error naming the CSV line. The
 * scratch folder is the run's own temp area next to the output (never a shared folder under /tmp),
 * removed when the run ends, however it ends.
 */
export async function openFeatures(file: string, scratchDir: string, dim?: number): Promise<FeatureSource> {
  let arrowPath = file;
  if (file.toLowerCase().endsWith('.csv')) {
    await fs.mkdir(scratchDir, { recursive: true });
    const taken = new Set(await fs.readdir(scratchDir));
    let name = `${path.basename(file)}.arrow`;
    for (let i = 2; taken.has(name); i++) name = `${path.basename(file)}.${i}.arrow`;
    arrowPath = path.join(scratchDir, name);
    await importFeaturesCsv(file, arrowPath, { db: file, encoder: 'csv', normalized: false, ...(dim === undefined ? {} : { dim }) });
  }
  const info = await openFeatureFile(arrowPath);
  return {
    name: file,
    dim: info.meta.dim,
    rows: info.rows,
    encoder: info.meta.encoder,
    ...(info.meta.encoderSha256 ? { encoderSha256: info.meta.encoderSha256 } : {}),
    db: info.meta.db,
    batches: () => readFeatureBatches(arrowPath),
  };
}
