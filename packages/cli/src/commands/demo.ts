import { Command } from 'commander';
import { formatSummary, runMnistPixelDemo } from '@twindb/nn-sampler';

/**
 * `twindb demo` (what `npm run demo` runs): the sampling step on the embedded default — raw-pixel
 * MNIST embeddings, target = 500 held-out digits of classes 0–4, match mode — with no arguments.
 */
export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description('Run STEP 1-2 on the embedded default (MNIST raw pixels; target: 500 held-out digits of classes 0-4; match mode)')
    .option('--out <dir>', 'output folder (default: <tmp>/twindb-demo, replaced on each run)')
    .option('--json', 'print report.json instead of the text summary')
    .action(async (o: { out?: string; json?: boolean }) => {
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const r = await runMnistPixelDemo({ out: o.out }, log);
      process.stdout.write(o.json ? `${JSON.stringify(r.report)}\n` : `${formatSummary(r)}\n`);
    });
}
