import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { logRemovedTemps, UsageError } from '@twindb/core-tensors';
import { dbSpecRoot } from '@twindb/core-tensors/data';
import { claimStepFolder, loadScanConfig } from '@twindb/scan';
import { loadSelflabelConfig, runSelflabel, SelflabelOptionsSchema } from '@twindb/selflabel';
import { writePrototypes } from './prototypes.js';
import { z } from 'zod';
import { CONFIG_STEP_FLAGS, configFileFields } from '../options/config-step-flags.js';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';
import { featuresFromPretext } from './pretext-features.js';

/** `twindb selflabel`'s options: the library's, with the config as a file and features found for the user. */
export const SelflabelCommandSchema = z.object({
  ...configFileFields('self-label YAML (configs/selflabel/selflabel_<db>.yml)'),
  pretext: z.string().min(1).optional().describe('twindb pretext run folder, to embed the DBs when the SCAN folder holds no features/'),
  features: z.string().min(1).optional().describe('Arrow feature file of the DB being labelled (default: <scan>/features/train.arrow, as `twindb scan --pretext` writes)'),
  ...SelflabelOptionsSchema.omit({ config: true, features: true }).shape,
});

const selflabelFlags = () =>
  new SchemaFlags(SelflabelCommandSchema, { ...CONFIG_STEP_FLAGS, scan: { valueName: 'dir' } });


/** `twindb selflabel`: STEP 3, self-labelling of the SCAN result → the labelled training DB. */
export function registerSelflabelCommand(program: Command): void {
  const flags = selflabelFlags();
  const cmd = program
    .command('selflabel')
    .description("STEP 3: self-labelling on SCAN's confident predictions; keeps SCAN's head when the label-free criterion says it is better")
    .option('--json', 'print the summary (acc, nmi, ari on the val DB when it has labels, which head was kept and why) on stdout');
  flags
    .register(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  twindb selflabel --config-exp configs/selflabel/selflabel_mnist-0-4.yml --scan runs/scan-0-4 --out runs/selflabel-0-4 --json\n' +
        '  twindb selflabel --config-exp configs/selflabel/selflabel_mnist-0-4-image.yml --scan runs/scan-0-4-image --out runs/selflabel-0-4-image --json   (image mode)\n',
    )
    .action(async (raw: Record<string, unknown>) => {
      const { backend } = program.opts<{ backend?: string }>();
      const o = flags.parse(raw, backend ? { backend } : {});
      const ctx = stepContextForCli();
      const { configExp, configEnv: _env, pretext, ...rest } = o;
      let { features, valFeatures } = o;
      // Image mode (mode: image in the config) reads the images and the SCAN run's backbone + head: no features.
      const slConfig = await loadSelflabelConfig(configExp);
      const image = slConfig.mode === 'image';
      // Before any compute (the embedding below included): --out must be new, empty or a selflabel run folder.
      const claimed = await claimStepFolder(o.out, 'selflabel', { inputs: [configExp, o.configEnv, o.scan, pretext, features, valFeatures], dbs: [dbSpecRoot(slConfig.train_db), dbSpecRoot(slConfig.val_db)] });
      logRemovedTemps(claimed.removedTemps, ctx.log);
      if (!image && features === undefined) {
        const fromScan = path.join(o.scan, 'features', 'train.arrow');
        if (existsSync(fromScan)) {
          features = fromScan;
          const val = path.join(o.scan, 'features', 'val.arrow');
          if (valFeatures === undefined && existsSync(val)) valFeatures = val;
        } else if (pretext !== undefined) {
          // The SCAN run's own config names the DBs it clustered.
          const scanConfig = await loadScanConfig(path.join(o.scan, 'config.json'));
          const extracted = await featuresFromPretext(pretext, scanConfig.train_db, valFeatures === undefined ? scanConfig.val_db : undefined, o.out, ctx);
          features = extracted.features;
          valFeatures ??= extracted.valFeatures;
        } else {
          throw new UsageError(`--features or --pretext is required: ${o.scan} holds no features/train.arrow`);
        }
      }
      const { summary } = await runSelflabel({ ...rest, config: configExp, features, valFeatures }, ctx);
      await writePrototypes(o.out, slConfig.train_db, slConfig.num_classes, ctx);
      if (raw.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
