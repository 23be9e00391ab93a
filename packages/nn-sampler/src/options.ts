import { formatZodIssues, UsageError } from '@twindb/core-tensors';
import { z } from 'zod';
import { checkShardedOptions } from './partial/sharded-options.js';
import { PoolShardSchema } from './partial/pool-shard.js';
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
  out: z.string().min(1).optional().describe('output folder (seed: --save_dir); required, except for a --pool-shard run, which writes only its --partial file'),
  mode: z
    .enum(['union', 'quota', 'match'])
    .optional()
    .describe('union = seed behaviour; quota = k distinct per target; match = unweighted mix follows the target (default: "match"; "union" with the seed\'s flags)'),
  k: z.number().int().min(1, 'k must be ≥ 1').default(5).describe('neighbours per target (with the seed\'s flags: the largest --nn_factor)'),
  maxDistance: z.number().min(0, 'threshold must be in [0, 2]').max(2, 'threshold must be in [0, 2]').default(2).describe('cosine-distance threshold between a target and its pool neighbours (the seed has none)'),
  nnMaker: z
    .boolean()
    .default(false)
    .describe("behave as the seed's nn_maker.py: union by default, target de-duplication at --dist_thr 0.98, ImageSets/scan_nn{K}.txt and topk{K}_neighbors_val_from_train.npy per K (set by the CLI when a seed flag is used)"),
  nnFactor: z
    .array(z.number().int().min(1, 'K must be ≥ 1'))
    .min(1)
    .optional()
    .describe("seed: the K values, one ImageSets/scan_nn{K}.txt per value; the largest is used for twindb's own outputs (default 20; implies nnMaker)"),
  distThr: z
    .number()
    .min(-1, 'dist_thr is a cosine similarity in [-1, 1]')
    .max(1, 'dist_thr is a cosine similarity in [-1, 1]')
    .optional()
    .describe('seed: cosine SIMILARITY at or above which a target is a near-duplicate of a kept one and removed (default 0.98 with the seed\'s flags; implies nnMaker)'),
  targetDedup: z
    .number()
    .min(-1, 'target-dedup is a cosine similarity in [-1, 1]')
    .max(1, 'target-dedup is a cosine similarity in [-1, 1]')
    .optional()
    .describe('remove near-duplicate targets (e.g. consecutive video frames) before the search: a target whose cosine similarity to an already kept one is ≥ this (any mode)'),
  dedupRule: z
    .enum(['greedy', 'fork'])
    .default('greedy')
    .describe("target de-duplication: greedy against every kept target, or the fork's exact (index-shifted) rule, for comparing with ImageSets it made"),
  featureDim: z.number().int().min(1).optional().describe('seed: expected feature dimension of the CSV files (checked)'),
  nnNpy: z.string().min(1).optional().describe('seed: reuse the neighbours saved in this topk{K}_neighbors_val_from_train.npy instead of searching (implies nnMaker)'),
  montage: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      "the fork's neighbour strips for the first N kept targets: montage/nn_<i><name>.jpg, the target then its K nearest pool images, each resized to 236×236, side by side (images found by their paths, relative ones under --target_db / --near_db, or as <db>/JPEGImages/<name>[.jpg|.png])",
    ),
  minCoverage: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('guard: below this share of covered targets the outputs are still written, a warning is printed and the run fails with exit code 4'),
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
  poolShard: PoolShardSchema.optional().describe(
    'sharded exact search: search only the i-th of n contiguous parts of the pool (rows over all --pool files in order) and write each target\'s candidates to --partial; `auto` reads i and n from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, TWINDB_SHARD_COUNT) or a Slurm array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT)',
  ),
  partial: z.string().min(1).optional().describe('with --pool-shard: the partial file (Arrow) this shard writes; never an input, replaced only when it is an earlier partial file'),
  merge: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('merge the --partial files of every --pool-shard run (same --target, --pool and search options) into the outputs a one-process run writes, byte for byte'),
});

export type SampleOptionsInput = z.input<typeof SampleOptionsSchema>;

/** The options as a run uses them: the schema's output with the seed path's defaults resolved. */
export type SampleOptions = Omit<z.output<typeof SampleOptionsSchema>, 'mode' | 'out'> & {
  mode: 'union' | 'quota' | 'match';
  /** The output folder; '' in a --pool-shard run (it writes only --partial). */
  out: string;
  /** The K values of the seed's outputs (ImageSets, .npy), ascending; null off the seed path. */
  seedKs: number[] | null;
  /** Target de-duplication similarity, when on (--target-dedup, or --dist_thr / 0.98 on the seed path). */
  dedupThreshold: number | undefined;
};

/** The fork's defaults: `--nn_factor 20`, `--dist_thr 0.98`. */
export const NN_MAKER_DEFAULTS = { nnFactor: 20, distThr: 0.98 } as const;

export function parseSampleOptions(input: unknown): SampleOptions {
  const r = SampleOptionsSchema.safeParse(input);
  if (!r.success) throw new UsageError(`sample: invalid options: ${formatZodIssues(r.error.issues)}`);
  const o = r.data;
  const seedPath = o.nnMaker || o.nnFactor !== undefined || o.distThr !== undefined || o.nnNpy !== undefined;
  if (o.distThr !== undefined && o.targetDedup !== undefined && o.distThr !== o.targetDedup) {
    throw new UsageError(`sample: --dist_thr ${o.distThr} and --target-dedup ${o.targetDedup} set the same threshold; give one`);
  }
  checkShardedOptions(o);
  const seedKs = seedPath ? [...new Set(o.nnFactor ?? [NN_MAKER_DEFAULTS.nnFactor])].sort((a, b) => a - b) : null;
  return {
    ...o,
    out: o.out ?? '',
    nnMaker: seedPath,
    // An explicit mode wins; the seed path is the fork's plain union.
    mode: o.mode ?? (seedPath ? 'union' : 'match'),
    // On the seed path k is the largest K (twindb's own outputs are those of the largest K).
    k: seedKs ? seedKs[seedKs.length - 1] : o.k,
    seedKs,
    dedupThreshold: o.targetDedup ?? o.distThr ?? (seedPath ? NN_MAKER_DEFAULTS.distThr : undefined),
  };
}
