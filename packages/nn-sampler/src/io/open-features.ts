import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importFeaturesCsv, openFeatureFile, readFeatureBatches } from '@twindb/core-tensors';
import type { FeatureSource } from '../search/feature-source.js';

/**
 * A feature file as a FeatureSource. A `.csv` file (the seed's format: path,f0..f{d−1}) is first
 * imported into a temporary Arrow file under `scratchDir`, with every error naming the CSV line.
 */
export async function openFeatures(file: string, scratchDir: string): Promise<FeatureSource> {
  let arrowPath = file;
  if (file.toLowerCase().endsWith('.csv')) {
    await fs.mkdir(scratchDir, { recursive: true });
    arrowPath = path.join(scratchDir, `${path.basename(file)}.${process.pid}.arrow`);
    await importFeaturesCsv(file, arrowPath, { db: file, encoder: 'csv', normalized: false });
  }
  const info = await openFeatureFile(arrowPath);
  return {
    name: file,
    dim: info.meta.dim,
    rows: info.rows,
    encoder: info.meta.encoder,
    db: info.meta.db,
    batches: () => readFeatureBatches(arrowPath),
  };
}

export function defaultScratchDir(): string {
  return path.join(os.tmpdir(), 'twindb-sample');
}
