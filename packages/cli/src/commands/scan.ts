import type { Command } from 'commander';
import { logRemovedTemps, UsageError } from '@twindb/core-tensors';
import { dbSpecRoot } from '@twindb/core-tensors/data';
import { claimStepFolder, loadScanConfig, runScan, ScanOptionsSchema } from '@twindb/scan';
import { writePrototypes } from './prototypes.js';
import { z } from 'zod';
import { CONFIG_STEP_FLAGS, configFileFields } from '../options/config-step-flags.js';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';
import { featuresFromPretext } from './pretext-features.js';

/** `twindb scan`'s options: the library's, with the config as a file and features from a pretext run. */
export const ScanCommandSchema = z.object({
  ...configFileFields('SCAN YAML (configs/scan/scan_<db>.yml)'),
  pretext: z
    .string()
    .min(1)
    .optional()
    .describe("twindb pretext run folder. Frozen mode: its encoder.onnx embeds the config's train_db and val_db into <out>/features/; image mode (mode: image in the config): its backbone is fine-tuned and its embeddings mined"),
  features: z.string().min(1).optional().describe('Arrow feature file of the DB being clustered (instead of --pretext)'),
  ...ScanOptionsSchema.omit({ config: true, features: true, pretext: true }).shape,
});

const scanFlags = () =>
  new SchemaFlags(ScanCommandSchema, { ...CONFIG_STEP_FLAGS });


/** `twindb scan`: STEP 2, SCAN clustering of the new DB (frozen-feature mode). */
export function registerScanCommand(program: Command): void {
  const flags = scanFlags();
  const cmd = program
    .command('scan')
    .description('STEP 2: SCAN clustering of a DB from its SimCLR neighbours (heads on frozen features, or backbone + heads on images with mode: image; best head chosen label-free)')
    .option('--json', 'print the summary (acc, nmi, ari on the val DB when it has labels, head, seconds) on stdout');
  flags
    .register(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  twindb scan --config-exp configs/scan/scan_mnist-0-4.yml --pretext runs/mnist --out runs/scan-0-4 --json\n' +
        '  twindb scan --config-exp configs/scan/scan_mnist.yml --features feats/pool.arrow --val-features feats/heldout.arrow --out runs/scan\n' +
        '  twindb scan --config-exp configs/scan/scan_mnist-0-4-image.yml --pretext runs/mnist --out runs/scan-0-4-image --json   (image mode)\n',
    )
    .action(async (raw: Record<string, unknown>) => {
      const { backend } = program.opts<{ backend?: string }>();
      const o = flags.parse(raw, backend ? { backend } : {});
      const ctx = stepContextForCli();
      const { configExp, configEnv: _env, pretext, ...rest } = o;
      let { features, valFeatures } = o;
      const config = await loadScanConfig(configExp);
      const image = config.mode === 'image';
      if (image && pretext === undefined) throw new UsageError(`--pretext is required: ${configExp} is an image-mode config (mode: image) and fine-tunes a pretext run's backbone`);
      // Before any compute (the embedding below included): --out must be new, empty or a scan run folder.
      const claimed = await claimStepFolder(o.out, 'scan', { inputs: [configExp, o.configEnv, pretext, features, valFeatures], dbs: [dbSpecRoot(config.train_db), dbSpecRoot(config.val_db)] });
      logRemovedTemps(claimed.removedTemps, ctx.log);
      if (!image && features === undefined) {
        if (pretext === undefined) throw new UsageError('--features or --pretext is required: the SimCLR features of the DB to cluster');
        const extracted = await featuresFromPretext(pretext, config.train_db, valFeatures === undefined ? config.val_db : undefined, o.out, ctx);
        features = extracted.features;
        valFeatures ??= extracted.valFeatures;
      }
      // Image mode mines on the pretext model's embeddings itself (or on --features when given).
      const { summary } = await runScan({ ...rest, config: configExp, features, valFeatures, ...(image ? { pretext } : {}) }, ctx);
      await writePrototypes(o.out, config.train_db, config.num_classes, ctx);
      if (raw.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
