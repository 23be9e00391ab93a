import { Command, Option } from 'commander';
import { formatSummary, sampleTwinDb, SampleOptionsSchema, type SampleOptionsInput } from '@twindb/nn-sampler';

const d = (key: keyof typeof SampleOptionsSchema.shape) => SampleOptionsSchema.shape[key].description ?? '';
const num = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${flag}: expected a number, got "${v}"`);
  return n;
};

/** `twindb sample`: STEP 1-2, a thin layer over sampleTwinDb (flags and help come from its zod schema). */
export function registerSampleCommand(program: Command): Command {
  return program
    .command('sample')
    .description('Build the new training DB whose distribution matches the target DB (STEP 1-2)')
    .option('--target <file>', d('target'))
    .option('--pool <files...>', d('pool'))
    .option('--out <dir>', d('out'))
    .addOption(new Option('--mode <mode>', d('mode')).choices(['union', 'quota', 'match']).default('match'))
    .option('-k, --k <n>', d('k'), num('--k'))
    .option('--max-distance <d>', d('maxDistance'), num('--max-distance'))
    .option('--budget <n>', d('budget'), num('--budget'))
    .addOption(new Option('--union-weights <how>', d('unionWeights')).choices(['distance', 'even']))
    .addOption(new Option('--index <kind>', d('index')).choices(['auto', 'exact', 'hnsw']))
    .option('--hnsw-m <n>', d('hnswM'), num('--hnsw-m'))
    .option('--ef-construction <n>', d('efConstruction'), num('--ef-construction'))
    .option('--ef-search <n>', d('efSearch'), num('--ef-search'))
    .option('--check-recall <n>', d('checkRecall'), num('--check-recall'))
    .option('--jobs <n>', d('jobs'), num('--jobs'))
    .option('--dedup <d>', d('dedup'), num('--dedup'))
    .addOption(new Option('--materialize <how>', d('materialize')).choices(['none', 'copy', 'link']))
    .option('--overwrite', d('overwrite'))
    .option('--allow-encoder-mismatch', d('allowEncoderMismatch'))
    .option('--radius-factor <f>', d('radiusFactor'), num('--radius-factor'))
    .option('--search-depth <n>', d('searchDepth'), num('--search-depth'))
    .option('--regions <n>', d('regions'), num('--regions'))
    .option('--codebook <n>', d('codebook'), num('--codebook'))
    .option('--min-density-ratio <r>', d('minDensityRatio'), num('--min-density-ratio'))
    .option('--seed <n>', d('seed'), num('--seed'))
    .option('--target-db <dir>', d('targetDb'))
    .option('--pool-db <dir>', d('poolDb'))
    .option('--json', 'print a machine-readable summary (report.json) instead of text')
    // The seed script's flags (nn_maker.py), accepted as they were.
    .addOption(new Option('--target_csv <file>', 'alias of --target').hideHelp())
    .addOption(new Option('--near_csv <files...>', 'alias of --pool').hideHelp())
    .addOption(new Option('--save_dir <dir>', 'alias of --out').hideHelp())
    .addOption(new Option('--target_db <dir>', 'alias of --target-db').hideHelp())
    .addOption(new Option('--near_db <dir>', 'alias of --pool-db').hideHelp())
    .addOption(new Option('--nn_factor <n>', 'alias of --k').argParser(num('--nn_factor')).hideHelp())
    .addOption(new Option('--dist_thr <d>', 'alias of --max-distance').argParser(num('--dist_thr')).hideHelp())
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
      const pick = (...keys: string[]) => keys.map((k) => raw[k]).find((v) => v !== undefined);
      const input: Record<string, unknown> = {
        target: pick('target', 'target_csv'),
        pool: pick('pool', 'near_csv'),
        out: pick('out', 'save_dir'),
        mode: raw.mode,
        k: pick('k', 'nn_factor'),
        maxDistance: pick('maxDistance', 'dist_thr'),
        budget: raw.budget,
        unionWeights: raw.unionWeights,
        index: raw.index,
        hnswM: raw.hnswM,
        efConstruction: raw.efConstruction,
        efSearch: raw.efSearch,
        checkRecall: raw.checkRecall,
        jobs: raw.jobs,
        dedup: raw.dedup,
        materialize: raw.materialize,
        overwrite: raw.overwrite,
        allowEncoderMismatch: raw.allowEncoderMismatch,
        radiusFactor: raw.radiusFactor,
        searchDepth: raw.searchDepth,
        regions: raw.regions,
        codebook: raw.codebook,
        minDensityRatio: raw.minDensityRatio,
        seed: raw.seed,
        targetDb: pick('targetDb', 'target_db'),
        poolDb: pick('poolDb', 'near_db'),
      };
      for (const [k, v] of Object.entries(input)) if (v === undefined) delete input[k];
      for (const need of ['target', 'pool', 'out'] as const) {
        if (input[need] === undefined) throw new Error(`twindb sample: --${need} is required`);
      }
      const json = raw.json === true;
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const r = await sampleTwinDb(input as SampleOptionsInput, log);
      process.stdout.write(json ? `${JSON.stringify(r.report)}\n` : `${formatSummary(r)}\n`);
    });
}
