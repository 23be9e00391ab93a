import type { Command } from 'commander';
import type { StepContext } from '@twindb/core-tensors';
import { ReportOptionsSchema, runReport } from '../report/index.js';
import { SchemaFlags } from '../options/schema-flags.js';
import { stepContextForCli } from '../step-context.js';

/** `twindb report <run-folder>`: one self-contained report.html of a run (opens offline). */
export function registerReportCommand(program: Command): void {
  const flags = new SchemaFlags(ReportOptionsSchema, { run: { hidden: true }, out: { valueName: 'file' }, mapPoints: { valueName: 'n' }, strips: { valueName: 'n' }, uncovered: { valueName: 'n' }, prototypes: { valueName: 'n' } });
  const cmd = program
    .command('report')
    .argument('<run-folder>', 'a twindb pipeline run folder (--out of `twindb pipeline`), or one step\'s output folder')
    .description('Write one self-contained report.html of a run: SimCLR curves, distance / class / coverage charts, an embedding map, neighbour strips, clusters (opens offline)')
    .option('--json', 'print the summary as JSON');
  flags
    .register(cmd)
    .addHelpText('after', '\nExamples:\n  twindb report runs/demo                 # → runs/demo/report.html\n  twindb report newdb --out newdb.html    # a lone `twindb sample` folder\n')
    .action(async (run: string, raw: Record<string, unknown>) => {
      const o = flags.parse(raw, { run });
      const { summary } = await runReport(o, stepContextForCli());
      process.stdout.write(raw.json === true ? `${JSON.stringify(summary)}\n` : `report: ${summary.file}\n`);
    });
}

/**
 * `<run>/report.html` at the end of `twindb pipeline`. A picture is a bonus, never a failure of the
 * run: a problem is logged and the path is undefined.
 */
export async function writePipelineReport(run: string, ctx: StepContext): Promise<string | undefined> {
  try {
    return (await runReport({ run }, ctx)).summary.file;
  } catch (err) {
    ctx.log(`report: skipped (${(err as Error).message})`);
    return undefined;
  }
}
