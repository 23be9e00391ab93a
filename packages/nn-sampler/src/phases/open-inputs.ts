import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputDataError, UsageError } from '@twindb/core-tensors';
import { loadTarget, type LoadedTarget } from '../io/load-target.js';
import { defaultScratchDir, openFeatures } from '../io/open-features.js';
import type { SampleOptions } from '../options.js';
import type { FeatureSource } from '../search/feature-source.js';

/** The checked inputs of a sample run: the target in memory, the pool as streamed shards. */
export interface SampleInputs {
  /** Absolute output folder, and whether something is there already (replaced only with `overwrite`). */
  out: string;
  outExists: boolean;
  targetSource: FeatureSource;
  target: LoadedTarget;
  shards: FeatureSource[];
  poolRows: number;
  /** `k`, lowered to the pool size when the pool is smaller. */
  k: number;
}

/** Phase 1: check the output folder, open every feature file, and check they belong together. */
export async function openInputs(o: SampleOptions, warn: (m: string) => void): Promise<SampleInputs> {
  const out = path.resolve(o.out);
  for (const root of [o.targetDb, o.poolDb]) {
    if (root && isInside(out, path.resolve(root))) throw new UsageError(`--out ${out} lies inside the source DB ${root}; choose a folder outside it`);
  }
  const outExists = await fs.stat(out).then(
    () => true,
    () => false,
  );
  if (outExists && !o.overwrite) throw new UsageError(`output folder ${out} already exists (pass --overwrite to replace it)`);

  const scratch = defaultScratchDir();
  const open = (f: string | FeatureSource) => (typeof f === 'string' ? openFeatures(f, scratch) : Promise.resolve(f));
  const targetSource = await open(o.target);
  const shards = await Promise.all(o.pool.map(open));
  for (const s of shards) {
    if (s.dim !== targetSource.dim) throw new InputDataError(`${s.name}: embedding dim ${s.dim} differs from the target's (${targetSource.name}) dim ${targetSource.dim}`);
    if (s.encoder !== targetSource.encoder && !o.allowEncoderMismatch) {
      throw new InputDataError(
        `${s.name}: encoder "${s.encoder}" differs from the target's (${targetSource.name}) "${targetSource.encoder}"; distances between them mean nothing (pass --allow-encoder-mismatch to proceed anyway)`,
      );
    }
  }
  const target = await loadTarget(targetSource);
  const poolRows = shards.reduce((s, x) => s + x.rows, 0);
  if (poolRows === 0) throw new InputDataError(`the pool (${shards.map((s) => s.name).join(', ')}) is empty`);
  let k = o.k;
  if (k > poolRows) {
    warn(`k = ${k} is larger than the pool (${poolRows} rows); using k = ${poolRows}`);
    k = poolRows;
  }
  return { out, outExists, targetSource, target, shards, poolRows, k };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
