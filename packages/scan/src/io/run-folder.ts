import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { identityChanges, UsageError } from '@twindb/core-tensors';
import { readHeadCheckpoint, type LoadedHeadCheckpoint } from './head-checkpoint.js';

/** The output folder of a training step (scan, selflabel), opened before any work. */
export interface RunFolder {
  checkpointPath: string;
  /** Warnings so far, for the summary; `warn` also logs each one. */
  warnings: string[];
  warn: (message: string) => void;
}

/**
 * Creates `out` and refuses an existing checkpoint unless `resume` (never silently overwritten).
 */
export function openRunFolder(out: string, checkpointName: string, resume: boolean, log: (line: string) => void): RunFolder {
  mkdirSync(out, { recursive: true });
  const checkpointPath = path.join(out, checkpointName);
  if (existsSync(checkpointPath) && !resume) {
    throw new UsageError(`${checkpointPath} exists: pass resume (--resume) to continue that run, or choose another out folder`);
  }
  const warnings: string[] = [];
  return {
    checkpointPath,
    warnings,
    warn: (m) => {
      warnings.push(m);
      log(`warning: ${m}`);
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
