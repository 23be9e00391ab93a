import type { Command } from 'commander';
import { ExtractOptionsSchema, parseShard, runExtract } from '@twindb/feature-extract';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

const extractFlags = () =>
  new SchemaFlags(ExtractOptionsSchema, {
    encoder: { valueName: 'onnx' },
    db: { valueName: 'spec' },
    out: { valueName: 'arrow' },
    shard: { valueName: 'i/n', parse: parseShard },
    layout: { valueName: 'NHWC|NCHW' },
    inputShape: { valueName: 'H,W,C' },
    mean: { valueName: 'm1,m2,m3' },
    std: { valueName: 's1,s2,s3' },
    l2Normalize: { flag: 'l2' },
    runDir: { valueName: 'dir' },
  });

/** `twindb extract`: STEP 1-1, embeddings of a DB with an ONNX encoder into an Arrow feature file. */
export function registerExtractCommand(program: Command): void {
  const flags = extractFlags();
  const cmd = program
    .command('extract')
    .description('STEP 1-1: embed every image of a DB (or one shard) with an ONNX encoder into an Arrow feature file')
    .option('--json', 'print the summary object on stdout when done');
  flags
    .register(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  twindb extract --encoder runs/mnist/encoder.onnx --db mnist:pool --out feats/pool.arrow --json\n' +
        '  twindb extract --encoder resnet50.onnx --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --db folder:/data/pool --out pool-3.arrow --shard 3/8\n',
    )
    .action(async (raw: Record<string, unknown>) => {
      const summary = await runExtract(flags.parse(raw), stepContextForCli());
      if (raw.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stderr.write(`extract: ${summary.rows} embeddings (dim ${summary.dim}) → ${summary.out}${summary.skipped ? ' (already complete)' : ''}\n`);
    });
}
