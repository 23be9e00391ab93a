import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { removeOwnedOutput, UsageError, type StepContext } from '@twindb/core-tensors';
import { loadPretextConfig } from '@twindb/pretext';
import { PIPELINE_STEPS, type PipelineConfig, type PipelineStep } from './pipeline-config.js';

/** The run folder's layout. */
export function pipelinePaths(out: string) {
  return {
    pretext: path.join(out, 'pretext'),
    encoder: path.join(out, 'pretext', 'encoder.onnx'),
    features: path.join(out, 'features'),
    pool: path.join(out, 'features', 'pool.arrow'),
    target: path.join(out, 'features', 'target.arrow'),
    newdb: path.join(out, 'newdb'),
    scan: path.join(out, 'scan'),
    selflabel: path.join(out, 'selflabel'),
  };
}
export type PipelinePaths = ReturnType<typeof pipelinePaths>;

/** A step's `*.summary.json`, or undefined when absent or unreadable (a killed write). */
export function readSummary(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The epochs STEP 1 trains in this pipeline (the pipeline's override, else its config's). */
export async function pretextEpochs(config: PipelineConfig): Promise<number> {
  return config.pretext.epochs ?? (await loadPretextConfig(config.pretext.config)).config.epochs;
}

/**
 * Why a step's outputs in the run folder are not complete, or null when they are: the test the
 * pipeline uses to skip a finished step and, for `--from`, to require the steps before it.
 */
export async function incompleteStep(step: PipelineStep, config: PipelineConfig, p: PipelinePaths): Promise<string | null> {
  const missing = (file: string) => (existsSync(file) ? null : `no ${file}`);
  switch (step) {
    case 'pretext': {
      const epochs = await pretextEpochs(config);
      const done = readSummary(path.join(p.pretext, 'pretext.summary.json'))?.epochsCompleted;
      return missing(p.encoder) ?? (done === epochs ? null : `${p.pretext} has ${typeof done === 'number' ? done : 0} of ${epochs} epochs`);
    }
    case 'extract':
      return missing(p.pool) ?? missing(p.target);
    case 'sample':
      return missing(path.join(p.newdb, 'report.json'));
    case 'scan':
      return readSummary(path.join(p.scan, 'scan.summary.json'))?.complete === true ? null : `${p.scan} holds no complete SCAN run`;
    case 'selflabel':
      return readSummary(path.join(p.selflabel, 'selflabel.summary.json'))?.complete === true ? null : `${p.selflabel} holds no complete self-label run`;
    case 'labels':
      return missing(path.join(p.newdb, 'labels.arrow'));
  }
}

/** The step's folder and the command that owns it (its `.twindb-run.json`), for steps that have one of their own. */
const OWN_FOLDER: Partial<Record<PipelineStep, { dir: keyof PipelinePaths; command: string }>> = {
  pretext: { dir: 'pretext', command: 'pretext' },
  sample: { dir: 'newdb', command: 'sample' },
  scan: { dir: 'scan', command: 'scan' },
  selflabel: { dir: 'selflabel', command: 'selflabel' },
};

/**
 * `--from <step>`, before any compute: every earlier step must have complete outputs (else a
 * UsageError, exit 2, naming what is missing); then the outputs of `from` and of every later step
 * are removed, so that they run again and no later step keeps results of the replaced ones. Only
 * what a step's `.twindb-run.json` lists is removed: a folder holding anything else is refused
 * (OutputPathError, exit 2) and left as it is. Extraction has no folder of its own: it is forced.
 */
export async function prepareFrom(from: PipelineStep, config: PipelineConfig, p: PipelinePaths, ctx: StepContext): Promise<void> {
  const first = PIPELINE_STEPS.indexOf(from);
  const problems: string[] = [];
  for (const step of PIPELINE_STEPS.slice(0, first)) {
    const why = await incompleteStep(step, config, p);
    if (why) problems.push(`${step} (${why})`);
  }
  if (problems.length > 0) {
    const earliest = problems[0].split(' ')[0];
    throw new UsageError(
      `--from ${from} needs the complete outputs of the steps before it; not complete: ${problems.join('; ')}. ` +
        `Run those first (--until ${PIPELINE_STEPS[first - 1]}) or start earlier (--from ${earliest})`,
    );
  }
  for (const step of PIPELINE_STEPS.slice(first)) {
    const own = OWN_FOLDER[step];
    if (!own || !existsSync(p[own.dir])) continue;
    await removeOwnedOutput(p[own.dir], { command: own.command, what: `${step}'s folder` });
    ctx.log(`--from ${from}: removed ${p[own.dir]} (${step} runs again)`);
  }
}

/** The order check of `--from` and `--until`; the index of the first and the last step to run. */
export function stepRange(from: PipelineStep | undefined, until: PipelineStep | undefined): { first: number; last: number } {
  const first = from ? PIPELINE_STEPS.indexOf(from) : 0;
  const last = PIPELINE_STEPS.indexOf(until ?? PIPELINE_STEPS[PIPELINE_STEPS.length - 1]);
  if (first > last) throw new UsageError(`--from ${from} comes after --until ${until}: the steps run in the order ${PIPELINE_STEPS.join(' → ')}`);
  return { first, last };
}
