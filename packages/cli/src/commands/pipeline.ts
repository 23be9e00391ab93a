import path from 'node:path';
import type { Command } from 'commander';
import { formatPipelineSummary } from '../pipeline/format-pipeline-summary.js';
import { PipelineOptionsSchema } from '../pipeline/pipeline-config.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

const pipelineFlags = () =>
  new SchemaFlags(PipelineOptionsSchema, {
    config: { valueName: 'yml' },
    out: { valueName: 'dir' },
    from: { valueName: 'step' },
    until: { valueName: 'step' },
    materialize: { valueName: 'how' },
  });

/** `twindb pipeline`: STEP 1 → 1-1 → 1-2 → 2 → 3 into one run folder, resumable; flags from {@link PipelineOptionsSchema}. */
export function registerPipelineCommand(program: Command): void {
  const flags = pipelineFlags();
  const cmd = program
    .command('pipeline')
    .description('The whole mission: SimCLR → embeddings → the matched new DB → SCAN → self-labelling → newdb/labels.csv (steps already complete are skipped, an interrupted one resumes)')
    .option('--json', 'print the summary as JSON');
  flags
    .register(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  twindb pipeline --config configs/pipeline/mnist.yml --out runs/mnist-pipeline\n' +
        '  twindb pipeline --config configs/pipeline/mnist.yml --out runs/mnist-pipeline --from scan --materialize link   (SCAN and self-labelling again, then newdb/images/<cluster>/)\n',
    )
    .action(async (raw: Record<string, unknown>) => {
      const o = flags.parse(raw);
      const out = o.out ?? path.join('runs', path.basename(o.config).replace(/\.ya?ml$/i, ''));
      const s = await runPipeline({ ...o, out }, stepContextForCli());
      process.stdout.write(raw.json === true ? `${JSON.stringify(s)}\n` : `${formatPipelineSummary(s)}\n`);
    });
}
