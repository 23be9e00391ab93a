import { existsSync } from 'node:fs';
import path from 'node:path';
import { claimRunFolder, identityChanges, logRemovedTemps, UsageError, type ClaimedRunFolder } from '@twindb/core-tensors';
import { readHeadCheckpoint, type LoadedHeadCheckpoint } from './head-checkpoint.js';

/** The training steps whose output folder this is. */
export type StepName = 'scan' | 'selflabel';

/**
 * Every file `twindb scan` / `twindb selflabel` writes into its out folder, as its `.twindb-run.json`
 * lists them: checkpoint, weights, config, outputs and logs of the step, `prototypes.png` and the
 * `features/` the CLI embeds there with `--pretext` (the whole sub-folder).
 */
export function stepRunFiles(step: StepName): string[] {
  const pair = (base: string, a: string, b: string) => [`${base}.${a}`, `${base}.${b}`];
  return [
    'checkpoint.safetensors',
    'model.safetensors',
    'classifier.onnx',
    'config.json',
    'neighbors.arrow',
    'neighbors-val.arrow',
    ...pair('predictions', 'csv', 'arrow'),
    ...pair('predictions-val', 'csv', 'arrow'),
    ...pair('confusion', 'csv', 'svg'),
    ...pair('confusion-train', 'csv', 'svg'),
    `${step}.log.jsonl`,
    `${step}.summary.json`,
    'prototypes.png',
    'features/',
  ];
}

/** What a scan / selflabel run reads, so that its out folder holds none of it (and lies in no DB). */
export interface StepFolderInputs {
  /** Files and folders read: the config file, feature files, the pretext or SCAN run. */
  inputs?: readonly (string | undefined)[];
  /** Image DB roots read. */
  dbs?: readonly (string | undefined)[];
}

/**
 * Checks and claims the out folder of a scan / selflabel run before any compute (see
 * core-tensors' claimRunFolder): a new or empty folder, or this step's own run folder, is fine;
 * anything else at `out` is refused (exit 2) naming what is in the way. Called by the CLI before it
 * embeds features into the folder, and by the run itself.
 */
export async function claimStepFolder(out: string, step: StepName, io: StepFolderInputs = {}): Promise<ClaimedRunFolder> {
  return claimRunFolder(out, { command: step, files: stepRunFiles(step), legacyMarker: `${step}.log.jsonl`, inputs: io.inputs, dbs: io.dbs });
}

/** The output folder of a training step (scan, selflabel), opened before any work. */
export interface RunFolder {
  checkpointPath: string;
  /** Warnings so far, for the summary; `warn` also logs each one. */
  warnings: string[];
  warn: (message: string) => void;
}

export interface OpenRunFolderOptions extends StepFolderInputs {
  step: StepName;
  checkpointName: string;
  resume: boolean;
  log: (line: string) => void;
}

/**
 * Claims `out` for the step (created if absent, carrying `.twindb-run.json`; a foreign folder, a
 * file, another command's folder, an input or a DB in it are refused) and refuses an existing
 * checkpoint unless `resume` (never silently overwritten).
 */
export async function openRunFolder(out: string, o: OpenRunFolderOptions): Promise<RunFolder> {
  const claimed = await claimStepFolder(out, o.step, o);
  if (claimed.adopted) o.log(`${claimed.out}: a run folder of an earlier twindb, now listed in its .twindb-run.json`);
  logRemovedTemps(claimed.removedTemps, o.log);
  const checkpointPath = path.join(out, o.checkpointName);
  if (existsSync(checkpointPath) && !o.resume) {
    throw new UsageError(`${checkpointPath} exists: pass resume (--resume) to continue that run, or choose another out folder`);
  }
  const warnings: string[] = [];
  return {
    checkpointPath,
    warnings,
    warn: (m) => {
      warnings.push(m);
      o.log(`warning: ${m}`);
    },
  };
}

/** The checkpoint to resume from, refused (naming the changed keys) when config or inputs changed since. */
export async function readResumableCheckpoint(
  checkpointPath: string,
  format: string,
  configHash: string,
  identity: Record<string, unknown>,
): Promise<LoadedHeadCheckpoint> {
  const ckpt = await readHeadCheckpoint(checkpointPath, format);
  if (ckpt.info.configHash !== configHash) {
    throw new UsageError(
      `${checkpointPath}: refusing to resume, the config or inputs changed since the checkpoint was written:\n  ${identityChanges(ckpt.info.config, identity).join('\n  ')}\n` +
        'Restore these values, or start a new run in another out folder.',
    );
  }
  return ckpt;
}
