import path from 'node:path';
import { Option, type Command } from 'commander';
import { formatPipelineSummary } from '../pipeline/format-pipeline-summary.js';
import { PIPELINE_STEPS, type PipelineStep } from '../pipeline/pipeline-config.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { stepContextForCli } from '../step-context.js';

/** `twindb pipeline`: STEP 1 → 1-1 → 1-2 → 2 → 3 into one run folder, resumable. */
export function registerPipelineCommand(program: Command): void {
  program
    .command('pipeline')
    .description('The whole mission: SimCLR → embeddings → the matched new DB → SCAN → self-labelling → newdb/labels.csv (steps already complete are skipped, an interrupted one resumes)')
    .requiredOption('--config <yml>', 'pipeline YAML (configs/pipeline/<name>.yml): pool_db, target_db and each step\'s config (required)')
    .option('--out <dir>', 'run folder (default: runs/<config name>)')
    .addOption(new Option('--until <step>', 'stop after this step').choices(PIPELINE_STEPS))
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExample:\n  twindb pipeline --config configs/pipeline/mnist.yml --out runs/mnist-pipeline\n')
    .action(async (o: { config: string; out?: string; until?: PipelineStep; json?: boolean }) => {
      const out = o.out ?? path.join('runs', path.basename(o.config).replace(/\.ya?ml$/i, ''));
      const s = await runPipeline({ config: o.config, out, until: o.until }, stepContextForCli());
      process.stdout.write(o.json ? `${JSON.stringify(s)}\n` : `${formatPipelineSummary(s)}\n`);
    });
}
