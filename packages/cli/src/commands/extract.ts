import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@twindb/core-tensors';
import { encoderFile, ExtractOptionsSchema, parseShard, PRETEXT_ENCODER_FILE, runExtract } from '@twindb/feature-extract';
import { pretextRunDir } from '@twindb/pretext';
import { z } from 'zod';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

/**
 * `twindb extract`'s options: the library's, plus the seed's config files (feature_extract.py takes
 * `--config_exp` / `--config_env`), which name the pretext run whose encoder embeds the DB when no
 * `--encoder` / `--pretext_model` is given.
 */
export const ExtractCommandSchema = ExtractOptionsSchema.extend({
  encoder: z
    .string()
    .min(1)
    .optional()
    .describe(
      `ONNX encoder file, or a twindb pretext run folder (or a .safetensors file in one) whose ${PRETEXT_ENCODER_FILE} is used (the seed's --pretext_model); required unless --config_exp names the pretext run`,
    ),
  configExp: z
    .string()
    .min(1)
    .optional()
    .describe(
      `pretext YAML (the seed's feature_extract.py --config_exp): checked, and without --encoder the ${PRETEXT_ENCODER_FILE} of the run twindb pretext writes for it (<root_dir>/<train_db>/pretext with --config_env, else runs/pretext/<config name>)`,
    ),
  configEnv: z.string().min(1).optional().describe('env YAML with root_dir (the seed\'s --config_env), with --config_exp'),
});

const extractFlags = () =>
  new SchemaFlags(ExtractCommandSchema, {
    encoder: { valueName: 'onnx|run', aliases: ['pretext_model'] },
    db: { valueName: 'spec' },
    out: { valueName: 'arrow' },
    csv: { valueName: 'file', aliases: ['save_feature_name'] },
    configExp: { valueName: 'yml', aliases: ['config_exp'] },
    configEnv: { valueName: 'yml', aliases: ['config_env'] },
    shard: { valueName: 'i/n|auto', parse: (text) => parseShard(text) },
    layout: { valueName: 'NHWC|NCHW' },
    inputShape: { valueName: 'H,W,C' },
    mean: { valueName: 'm1,m2,m3' },
    std: { valueName: 's1,s2,s3' },
    l2Normalize: { flag: 'l2' },
    runDir: { valueName: 'dir' },
  });

/** `twindb extract`: STEP 1-1, embeddings of a DB with an ONNX encoder into an Arrow feature file (and the seed's CSV). */
export function registerExtractCommand(program: Command): void {
  const flags = extractFlags();
  const cmd = program
    .command('extract')
    .description('STEP 1-1: embed every image of a DB (or one shard) with an ONNX encoder into an Arrow feature file (and, with --csv, the seed\'s headerless CSV)')
    .option('--json', 'print the summary object on stdout when done');
  flags
    .register(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  twindb extract --encoder runs/mnist/encoder.onnx --db mnist:pool --out feats/pool.arrow --json\n' +
        '  twindb extract --encoder resnet50.onnx --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --db folder:/data/pool --out pool-3.arrow --shard 3/8\n' +
        '  # in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, TWINDB_SHARD_COUNT) or a Slurm array (SLURM_ARRAY_TASK_*):\n' +
        '  twindb extract --encoder encoder.onnx --db folder:/data/pool --out feats/pool-$JOB_COMPLETION_INDEX.arrow --shard auto\n' +
        '  # the seed\'s feature_extract.py flags: the pretext run (or its config files), and the headerless CSV nn_maker.py reads\n' +
        "  twindb extract --config_env env.yml --config_exp simclr_svkpi_v2.yml --pretext_model runs/svkpi --db 'voc:/data/svkpi' --out near.arrow --save_feature_name near_features.csv\n",
    )
    .action(async (raw: Record<string, unknown>) => {
      const typed = flags.typed(raw);
      const spelled = (seed: string, native: string) => (typed.includes(seed) ? seed : native);
      const { configExp, configEnv, encoder: given, ...rest } = flags.parse(raw);
      const expFlag = spelled('--config_exp', '--config-exp');
      if (configEnv !== undefined && configExp === undefined) {
        throw new UsageError(`${spelled('--config_env', '--config-env')} needs ${expFlag}: the env config only says where the pretext run of that config lives`);
      }
      // A pretext run folder (or a weights file in one) stands for its encoder.onnx; a .pth is refused.
      let encoder = given === undefined ? undefined : encoderFile(given);
      if (configExp !== undefined) {
        // Read and checked in every case (exit 2 naming the file); it names the run when no encoder is given.
        const runDir = await pretextRunDir(configExp, configEnv);
        if (encoder === undefined) {
          encoder = path.join(runDir, PRETEXT_ENCODER_FILE);
          if (!existsSync(encoder)) {
            throw new UsageError(
              `${expFlag} ${configExp}: no ${PRETEXT_ENCODER_FILE} in ${runDir}, the run folder twindb pretext writes for this config${configEnv === undefined ? '' : ' and env'}; run twindb pretext with the same config files first, or give --pretext_model (a pretext run folder or its ${PRETEXT_ENCODER_FILE})`,
            );
          }
        }
      }
      if (encoder === undefined) throw new UsageError(`--encoder is required (or --pretext_model, or ${expFlag} to use the run twindb pretext made from that config)`);
      const summary = await runExtract({ ...rest, encoder }, stepContextForCli());
      if (raw.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stderr.write(`extract: ${summary.rows} embeddings (dim ${summary.dim}) → ${summary.out}${summary.csv ? ` and ${summary.csv}` : ''}${summary.skipped ? ' (already complete)' : ''}\n`);
    });
}
