import { formatZodIssues, UsageError } from '@twindb/core-tensors';
import { z } from 'zod';
import type { FeatureSource } from './search/feature-source.js';

const isSource = (v: unknown): v is FeatureSource =>
  typeof v === 'object' && v !== null && typeof (v as FeatureSource).batches === 'function';

/** A feature file (`.arrow`, or `.csv` as written by the seed's feature_extract.py) or an in-memory source. */
const Features = z.union([z.string().min(1), z.custom<FeatureSource>(isSource, 'expected a feature source')]);

/**
 * Options of `runSample` and of `twindb sample`: the single source of truth for flags, defaults
 * and docs (the CLI derives its flags and help text from the descriptions here).
 */
export const SampleOptionsSchema = z.object({
  target: Features.describe('target DB features: the distribution to match (seed: --target_csv)'),
  pool: z.array(Features).min(1).describe('pool ("near DB") feature files; several = shards (seed: --near_csv)'),
  out: z.string().min(1).describe('output folder (seed: --save_dir)'),
  mode: z.enum(['union', 'quota', 'match']).default('match').describe('union = seed behaviour; quota = k distinct per target; match = unweighted mix follows the target'),
  k: z.number().int().min(1, 'k must be ≥ 1').default(5).describe('neighbours per target (seed: --nn_factor)'),
  maxDistance: z.number().min(0, 'threshold must be in [0, 2]').max(2, 'threshold must be in [0, 2]').default(2).describe('cosine-distance threshold (seed: --dist_thr)'),
  unionWeights: z.enum(['distance', 'even']).default('distance').describe("union: spread each target's unit evenly (seed) or favouring its nearest items"),
  budget: z.number().int().positive().optional().describe('match mode: exact number of items to select'),
  index: z.enum(['auto', 'exact', 'hnsw']).default('auto').describe('search: exact blocked top-k, HNSW, or chosen by a cost model'),
  hnswM: z.number().int().min(2).default(16).describe('HNSW M'),
  efConstruction: z.number().int().min(1).default(200).describe('HNSW efConstruction'),
  efSearch: z.number().int().min(1).default(128).describe('HNSW efSearch (raised to the search depth when smaller)'),
  checkRecall: z.number().int().min(0).default(0).describe('report HNSW recall@k against exact search on N sampled targets'),
  jobs: z.number().int().min(1).default(2).describe('worker threads for HNSW shards'),
  dedup: z.number().min(0).max(2).optional().describe('drop selected items within this cosine distance of an already selected one'),
  materialize: z.enum(['none', 'copy', 'link']).default('none').describe('copy or symlink the selected images into out/images/'),
  overwrite: z.boolean().default(false).describe('replace an existing output folder'),
  allowEncoderMismatch: z.boolean().default(false).describe('accept target and pool features from different encoders'),
  radiusFactor: z.number().min(1).default(1.2).describe("quota/match: radius = factor × distance to the target's k-th neighbour"),
  searchDepth: z.number().int().min(1).optional().describe('quota/match: neighbours searched per target (default max(8k, 64))'),
  regions: z.number().int().min(0).default(0).describe('match: regions of target space for the supply estimate (0 = targets / 10)'),
  codebook: z.number().int().min(0).default(100).describe('match: k-means cells for the density-ratio filter and the KL report (0 = no filter)'),
  minDensityRatio: z.number().min(0).default(0.45).describe("match: drop items in cells whose target/pool density ratio is below this × the targets' typical ratio"),
  seed: z.number().int().default(0).describe('random seed (k-means, random baselines)'),
  targetDb: z.string().optional().describe('image root of the target DB: relative paths resolve here (seed: --target_db)'),
  poolDb: z.string().optional().describe('image root of the pool DB: relative paths resolve here, for --materialize (seed: --near_db)'),
  reportSamples: z.number().int().min(10).default(1000).describe('rows per set used for MMD, Fréchet and k-NN precision/recall'),
});

export type SampleOptionsInput = z.input<typeof SampleOptionsSchema>;
export type SampleOptions = z.output<typeof SampleOptionsSchema>;

export function parseSampleOptions(input: unknown): SampleOptions {
  const r = SampleOptionsSchema.safeParse(input);
  if (!r.success) throw new UsageError(`sample: invalid options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}
