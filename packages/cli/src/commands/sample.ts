import type { Command } from 'commander';
import { formatSummary, runSample, SampleOptionsSchema } from '@twindb/nn-sampler';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

/** The seed script's flags (nn_maker.py) are accepted as it spelled them. */
const sampleFlags = () =>
  new SchemaFlags(SampleOptionsSchema, {
    target: { valueName: 'file', aliases: ['target_csv'] },
    pool: { valueName: 'files...', aliases: ['near_csv'] },
    out: { valueName: 'dir', aliases: ['save_dir'] },
    k: { short: 'k', aliases: ['nn_factor'] },
    maxDistance: { valueName: 'd', aliases: ['dist_thr'] },
    targetDb: { valueName: 'dir', aliases: ['target_db'] },
    poolDb: { valueName: 'dir', aliases: ['near_db'] },
  });

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
  # the original script's flags still work:
  twindb sample --target_csv target.csv --near_csv near.csv --save_dir newdb --nn_factor 5 --dist_thr 0.4`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = flags.parse(raw);
      const r = await runSample(options, stepContextForCli());
      process.stdout.write(raw.json === true ? `${JSON.stringify(r.report)}\n` : `${formatSummary(r)}\n`);
    });
}
