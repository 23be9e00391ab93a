import type { Command } from 'commander';
import { formatSummary, parsePoolShard, runPartialSearch, runSample, SampleGuardError, SampleOptionsSchema } from '@twindb/nn-sampler';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

/**
 * The seed script's flags (nn_maker.py) are accepted as it spelled them, with its meaning: any of
 * them puts the run on the seed path (union unless --mode says otherwise, target de-duplication
 * at --dist_thr, ImageSets/scan_nn{K}.txt and the .npy files per --nn_factor value).
 */
const sampleFlags = () =>
  new SchemaFlags(SampleOptionsSchema, {
    target: { valueName: 'file', aliases: ['target_csv'] },
    pool: { valueName: 'files...', aliases: ['near_csv'] },
    out: { valueName: 'dir', aliases: ['save_dir'] },
    k: { short: 'k' },
    maxDistance: { valueName: 'd' },
    nnMaker: { hidden: true },
    nnFactor: { flag: 'nn_factor', valueName: 'K...', variadic: true },
    distThr: { flag: 'dist_thr', valueName: 'similarity' },
    targetDedup: { valueName: 'similarity' },
    featureDim: { flag: 'feature_dim' },
    nnNpy: { flag: 'nn_npy', valueName: 'file' },
    targetDb: { valueName: 'dir', aliases: ['target_db'] },
    poolDb: { valueName: 'dir', aliases: ['near_db'] },
    poolShard: { valueName: 'i/n|auto', parse: (text) => parsePoolShard(text) },
    partial: { valueName: 'file' },
    merge: { valueName: 'files...' },
  });

/** The spellings that put a run on the seed path. */
const SEED_FLAGS = new Set(['--target_csv', '--near_csv', '--save_dir', '--target_db', '--near_db', '--nn_factor', '--dist_thr', '--feature_dim', '--nn_npy']);

/** `twindb sample`: STEP 1-2, a thin layer over runSample (flags and help come from its zod schema). */
export function registerSampleCommand(program: Command): Command {
  const flags = sampleFlags();
  const cmd = program
    .command('sample')
    .description('Build the new training DB whose distribution matches the target DB (STEP 1-2)')
    .option('--json', 'print a machine-readable summary (report.json) instead of text');
  return flags
    .register(cmd)
    .addHelpText(
      'after',
      `
Examples:
  twindb sample --target target.arrow --pool pool.arrow --out newdb
  twindb sample --target target.arrow --pool shard-*.arrow --out newdb --mode union -k 10 --max-distance 0.3
  twindb sample --target target.arrow --pool pool.arrow --out newdb --budget 5000 --dedup 0.05 --materialize link --pool-db /data/pool
  # the original script's flags, with nn_maker.py's meaning (union, de-duplicated targets, ImageSets):
  twindb sample --target_csv target.csv --near_csv near.csv --save_dir newdb --nn_factor 5 10 --dist_thr 0.98
  twindb sample --target_csv target.csv --near_csv near.csv --save_dir newdb --nn_factor 20 --dedup-rule fork   # the fork's exact de-duplication
  # one exact search split over 4 machines (or --pool-shard auto in a Kubernetes Indexed Job / Slurm array), then the merge:
  twindb sample --target target.arrow --pool pool-*.arrow --pool-shard 2/4 --partial partial-2.arrow
  twindb sample --target target.arrow --pool pool-*.arrow --merge partial-*.arrow --out newdb`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const typed = flags.typed(raw);
      const seed = typed.some((f) => SEED_FLAGS.has(f));
      const options = flags.parse(raw);
      // On the seed path a typed -k stands for a single --nn_factor.
      const k = typed.includes('--k') && options.nnFactor === undefined ? { nnFactor: [options.k] } : {};
      const print = (r: Awaited<ReturnType<typeof runSample>>) =>
        process.stdout.write(raw.json === true ? `${JSON.stringify(r.report)}\n` : `${formatSummary(r)}\n`);
      if (options.poolShard) {
        // One shard of a sharded search: its partial file is its only output.
        const r = await runPartialSearch({ ...options, ...(seed ? { nnMaker: true, ...k } : {}) }, stepContextForCli());
        process.stdout.write(
          raw.json === true
            ? `${JSON.stringify(r)}\n`
            : `sample: shard ${r.shard.index}/${r.shard.count}: pool rows ${r.range[0]}–${r.range[1]}, top ${r.depth} of ${r.targets} targets → ${r.partial}\n`,
        );
        return;
      }
      try {
        print(await runSample({ ...options, ...(seed ? { nnMaker: true, ...k } : {}) }, stepContextForCli()));
      } catch (err) {
        // Coverage below --min-coverage: the outputs are written; print them, then exit 4.
        if (err instanceof SampleGuardError) print(err.result);
        throw err;
      }
    });
}
