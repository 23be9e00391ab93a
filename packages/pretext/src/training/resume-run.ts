import { existsSync } from 'node:fs';
import { identityChanges, UsageError, type RunLog } from '@twindb/core-tensors';
import { readTrainingCheckpoint, restoreTrainingCheckpoint, type Module, type Optimizer } from '@twindb/core-tensors/nn';

export interface ResumeRunInput {
  resume: boolean;
  checkpointPath: string;
  runDir: string;
  model: Module;
  optimizer: Optimizer;
  configHash: string;
  identity: Record<string, unknown>;
  epochs: number;
  log: (line: string) => void;
  runLog: RunLog;
}

/**
 * Phase "resume": with `resume` and a checkpoint in the run folder, restore weights, buffers and
 * optimiser slots and continue at the checkpoint's epoch; a config that changed since is refused,
 * naming the keys. Returns the epoch to start from and the last completed epoch's loss.
 */
export async function resumeRun(r: ResumeRunInput): Promise<{ startEpoch: number; lastLoss: number | undefined }> {
  if (r.resume && existsSync(r.checkpointPath)) {
    const ckpt = await readTrainingCheckpoint(r.checkpointPath);
    if (ckpt.info.configHash !== r.configHash) {
      const changes = identityChanges(ckpt.info.config, r.identity);
      throw new UsageError(
        `${r.checkpointPath}: refusing to resume, the config changed since the checkpoint was written:\n  ${changes.join('\n  ')}\n` +
          'Restore these values, or start a new run in another folder.',
      );
    }
    restoreTrainingCheckpoint(ckpt, r.model, r.optimizer);
    r.log(`resumed ${r.checkpointPath} at epoch ${ckpt.info.epoch}/${r.epochs}`);
    r.runLog.event('resume', { checkpoint: r.checkpointPath, epoch: ckpt.info.epoch });
    return { startEpoch: ckpt.info.epoch, lastLoss: ckpt.info.loss };
  }
  if (r.resume) r.log(`no checkpoint in ${r.runDir}; starting a new run`);
  return { startEpoch: 0, lastLoss: undefined };
}
