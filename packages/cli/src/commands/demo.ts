import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { formatSummary, runMnistPixelDemo } from '@twindb/nn-sampler';
import { formatPipelineSummary } from '../pipeline/format-pipeline-summary.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { stepContextForCli } from '../step-context.js';

/** configs/pipeline/mnist.yml of the checkout this CLI runs from. */
function demoConfig(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const c = path.join(dir, 'configs', 'pipeline', 'mnist.yml');
    if (existsSync(c)) return c;
  }
  throw new Error('twindb demo: configs/pipeline/mnist.yml not found above the CLI; run it from a twindb checkout');
}

/**
 * `twindb demo` (what `npm run demo` runs), with no arguments: the whole pipeline on the embedded
 * default — pool mnist:pool, target 500 held-out digits of classes 0–4 — ending with the new DB's
 * labels scored against ground truth no step saw. `--quick`: STEP 1-2 alone on raw pixels (seconds).
 */
export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description('The mission on the embedded default: SimCLR, a new DB matching 500 held-out digits of classes 0–4, labelled without annotations (--quick: STEP 1-2 on raw pixels)')
    .option('--out <dir>', 'run folder (default: runs/demo; --quick: <tmp>/twindb-demo, replaced on each run)')
    .option('--quick', 'only STEP 1-2, on raw-pixel embeddings (seconds)')
    .option('--json', 'print the summary as JSON')
    .action(async (o: { out?: string; quick?: boolean; json?: boolean }) => {
      const ctx = stepContextForCli();
      if (o.quick) {
        const r = await runMnistPixelDemo({ out: o.out }, ctx.log);
        process.stdout.write(o.json ? `${JSON.stringify(r.report)}\n` : `${formatSummary(r)}\n`);
        return;
      }
      const s = await runPipeline({ config: demoConfig(), out: o.out ?? path.join('runs', 'demo') }, ctx);
      process.stdout.write(o.json ? `${JSON.stringify(s)}\n` : `${formatPipelineSummary(s)}\n`);
    });
}
