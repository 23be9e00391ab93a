import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkOutputFolder, InputDataError, OutputPathError, logRemovedTemps, removeStaleTemps, tempPathFor, trackTemp, untrackTemp } from '@twindb/core-tensors';
import { loadTarget, type LoadedTarget } from '../io/load-target.js';
import { openFeatures } from '../io/open-features.js';
import type { SampleOptions } from '../options.js';
import type { FeatureSource } from '../search/feature-source.js';

/** The checked inputs of a sample run: the target in memory, the pool as streamed shards. */
export interface SampleInputs {
  /** Absolute output folder, and whether something is there already (replaced only with `overwrite`). */
  out: string;
  outExists: boolean;
  /** The run's temp area next to `out` (CSV inputs converted there); removed by runSample when it ends. */
  scratch: string;
  targetSource: FeatureSource;
  target: LoadedTarget;
  shards: FeatureSource[];
  poolRows: number;
  /** `k`, lowered to the pool size when the pool is smaller. */
  k: number;
}

/**
 * Phase 1, before any compute: check the output folder (twindb's own or new; no input or DB inside
 * it; its parent writable), remove temps of killed runs on it, open every feature file, and check
 * they belong together (same dim; same encoder, by content hash when the files record one).
 * On failure the run's temp area is already removed.
 */
export async function openInputs(o: SampleOptions, warn: (m: string) => void, log: (line: string) => void = warn): Promise<SampleInputs> {
  const files = [o.target, ...o.pool].filter((f): f is string => typeof f === 'string');
  const check = await checkOutputFolder(o.out, { command: 'sample', overwrite: o.overwrite, inputs: [...files, o.targetDb, o.poolDb], dbs: [o.targetDb, o.poolDb] });
  const out = check.out;
  // Logged, not a warning: the outputs of a rerun are the same as an uninterrupted run's.
  logRemovedTemps(removeStaleTemps(path.dirname(out), [path.basename(out)]), log);
  const scratch = tempPathFor(out);
  trackTemp(scratch);
  try {
    await fs.mkdir(scratch, { recursive: true });
  } catch (err) {
    untrackTemp(scratch);
    const code = (err as NodeJS.ErrnoException).code;
    throw new OutputPathError(out, `--out ${out}: cannot write next to it (${path.dirname(out)}: ${code}); choose a writable location`, { cause: err });
  }
  try {
    return await openChecked(o, warn, out, check.exists, scratch);
  } catch (err) {
    await fs.rm(scratch, { recursive: true, force: true });
    untrackTemp(scratch);
    throw err;
  }
}

async function openChecked(o: SampleOptions, warn: (m: string) => void, out: string, outExists: boolean, scratch: string): Promise<SampleInputs> {
  const open = (f: string | FeatureSource) => (typeof f === 'string' ? openFeatures(f, scratch, o.featureDim) : Promise.resolve(f));
  const targetSource = await open(o.target);
  const shards = await Promise.all(o.pool.map(open));
  if (o.featureDim !== undefined) {
    for (const s of [targetSource, ...shards]) {
      if (s.dim !== o.featureDim) throw new InputDataError(`${s.name}: embedding dim ${s.dim}, but --feature_dim is ${o.featureDim}`);
    }
  }
  for (const s of shards) {
    if (s.dim !== targetSource.dim) throw new InputDataError(`${s.name}: embedding dim ${s.dim} differs from the target's (${targetSource.name}) dim ${targetSource.dim}`);
    const mismatch = encoderMismatch(s, targetSource);
    if (mismatch && !o.allowEncoderMismatch) {
      throw new InputDataError(
        `${s.name}: ${mismatch} differs from the target's (${targetSource.name}); distances between them mean nothing: extract both with the same encoder (or pass --allow-encoder-mismatch to proceed anyway)`,
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
  return { out, outExists, scratch, targetSource, target, shards, poolRows, k };
}

/** Why two feature sets come from different encoders: content hashes when both record one, names otherwise. */
function encoderMismatch(a: FeatureSource, b: FeatureSource): string | undefined {
  if (a.encoderSha256 && b.encoderSha256) {
    return a.encoderSha256 === b.encoderSha256 ? undefined : `encoder "${a.encoder}" (sha256 ${a.encoderSha256.slice(0, 12)}…) vs "${b.encoder}" (sha256 ${b.encoderSha256.slice(0, 12)}…)`;
  }
  return a.encoder === b.encoder ? undefined : `encoder "${a.encoder}" vs "${b.encoder}"`;
}
