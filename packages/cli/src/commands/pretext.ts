import type { Command } from 'commander';
import { PretextOptionsSchema, runPretext } from '@twindb/pretext';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

/** The SCAN reference's scripts spell the config flags with underscores. */
const pretextFlags = () =>
  new SchemaFlags(PretextOptionsSchema, {
    configExp: { valueName: 'yml', aliases: ['config_exp'] },
    configEnv: { valueName: 'yml', aliases: ['config_env'] },
    out: { valueName: 'dir' },
    backend: { hidden: true }, // the global --backend
  });

/** `twindb pretext`: STEP 1, SimCLR training driven by a SCAN-style YAML config. */
export function registerPretextCommand(program: Command): void {
  const flags = pretextFlags();
  const cmd = program
    .command('pretext')
    .description("STEP 1: train SimCLR features on the config's train_db (checkpoint after every epoch, kNN monitoring on val_db)")
    .option('--json', 'print a summary object on stdout when done');
  flags
    .register(cmd)
    .addHelpText('after', '\nExample:\n  twindb pretext --config-exp configs/pretext/simclr_mnist.yml --out runs/mnist --json\n')
    .action(async (raw: Record<string, unknown>) => {
      const { backend } = program.opts<{ backend?: string }>();
      const options = flags.parse(raw, backend ? { backend } : {});
      const { summary } = await runPretext(options, stepContextForCli());
      if (raw.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
