import { UsageError } from '../errors/twindb-error.js';

/** Which part of a sharded job this process is, as the scheduler that started it says. */
export interface EnvShard {
  /** 0-based shard index, below `count`. */
  readonly index: number;
  readonly count: number;
  readonly source: 'kubernetes' | 'slurm';
}

/** The variables read; `TWINDB_SHARD_COUNT` is ours (an Indexed Job exposes only its index, so the manifest sets it to `completions`). */
export const SHARD_ENV = {
  kubernetesIndex: 'JOB_COMPLETION_INDEX',
  kubernetesCount: 'TWINDB_SHARD_COUNT',
  slurmId: 'SLURM_ARRAY_TASK_ID',
  slurmCount: 'SLURM_ARRAY_TASK_COUNT',
  slurmMin: 'SLURM_ARRAY_TASK_MIN',
  slurmMax: 'SLURM_ARRAY_TASK_MAX',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `--shard auto`: the shard index and count of a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`,
 * `TWINDB_SHARD_COUNT`) or a Slurm array (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN`,
 * `SLURM_ARRAY_TASK_COUNT`). A pure function of `env`, so each rule is testable without a cluster.
 * Refused with a UsageError naming the variable and what was expected: nothing set, a count
 * missing, a value that is not a whole number, an index outside [0, count), a Slurm array that is
 * not contiguous (`--array=0,3,7` or a step: ID − MIN would skip shards), or both engines set and
 * disagreeing. Both set and agreeing is accepted (as `kubernetes`).
 */
export function shardFromEnv(env: Env): EnvShard {
  const k8s = present(env, SHARD_ENV.kubernetesIndex) ? kubernetesShard(env) : undefined;
  const slurm = present(env, SHARD_ENV.slurmId) ? slurmShard(env) : undefined;
  if (k8s && slurm) {
    if (k8s.index !== slurm.index || k8s.count !== slurm.count) {
      throw new UsageError(
        `shard auto: both a Kubernetes Indexed Job (${SHARD_ENV.kubernetesIndex}=${env[SHARD_ENV.kubernetesIndex]}, ${SHARD_ENV.kubernetesCount}=${env[SHARD_ENV.kubernetesCount]}: shard ${k8s.index}/${k8s.count}) and a Slurm array (${SHARD_ENV.slurmId}=${env[SHARD_ENV.slurmId]}: shard ${slurm.index}/${slurm.count}) are set and disagree; unset one, or give --shard i/n`,
      );
    }
    return k8s;
  }
  const found = k8s ?? slurm;
  if (!found) {
    throw new UsageError(
      `shard auto: neither ${SHARD_ENV.kubernetesIndex} (a Kubernetes Indexed Job, with ${SHARD_ENV.kubernetesCount}) nor ${SHARD_ENV.slurmId} (a Slurm array job) is set; run as such a job, or give --shard i/n`,
    );
  }
  return found;
}

function kubernetesShard(env: Env): EnvShard {
  const index = wholeNumber(env, SHARD_ENV.kubernetesIndex);
  if (!present(env, SHARD_ENV.kubernetesCount)) {
    throw new UsageError(
      `shard auto: ${SHARD_ENV.kubernetesIndex}=${env[SHARD_ENV.kubernetesIndex]} is set (a Kubernetes Indexed Job) but ${SHARD_ENV.kubernetesCount} is not; set it in the Job's container env to the Job's completions`,
    );
  }
  const count = wholeNumber(env, SHARD_ENV.kubernetesCount, 1);
  if (index >= count) {
    throw new UsageError(`shard auto: ${SHARD_ENV.kubernetesIndex}=${index} is out of range: expected below ${SHARD_ENV.kubernetesCount}=${count} (set it to the Job's completions)`);
  }
  return { index, count, source: 'kubernetes' };
}

function slurmShard(env: Env): EnvShard {
  const id = wholeNumber(env, SHARD_ENV.slurmId);
  for (const v of [SHARD_ENV.slurmCount, SHARD_ENV.slurmMin]) {
    if (!present(env, v)) throw new UsageError(`shard auto: ${SHARD_ENV.slurmId}=${id} is set (a Slurm array) but ${v} is not; expected both (Slurm sets them for sbatch --array jobs)`);
  }
  const count = wholeNumber(env, SHARD_ENV.slurmCount, 1);
  const min = wholeNumber(env, SHARD_ENV.slurmMin);
  if (present(env, SHARD_ENV.slurmMax)) {
    const max = wholeNumber(env, SHARD_ENV.slurmMax);
    // --array=0,3,7 or 0-15:2 has MAX − MIN + 1 ≠ COUNT: ID − MIN would not number the shards 0..n−1.
    if (max - min + 1 !== count) {
      throw new UsageError(
        `shard auto: the Slurm array is not contiguous (${SHARD_ENV.slurmMin}=${min}, ${SHARD_ENV.slurmMax}=${max}, ${SHARD_ENV.slurmCount}=${count}); expected --array=<min>-<max> with no gaps or step, e.g. --array=0-${count - 1}`,
      );
    }
  }
  const index = id - min;
  if (index < 0 || index >= count) {
    throw new UsageError(
      `shard auto: ${SHARD_ENV.slurmId}=${id} is out of range: expected ${SHARD_ENV.slurmMin}=${min} ≤ id < ${min + count} (${SHARD_ENV.slurmMin} + ${SHARD_ENV.slurmCount})`,
    );
  }
  return { index, count, source: 'slurm' };
}

function present(env: Env, name: string): boolean {
  const v = env[name];
  return v !== undefined && v.trim() !== '';
}

function wholeNumber(env: Env, name: string, min = 0): number {
  const text = (env[name] ?? '').trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`shard auto: ${name}=${JSON.stringify(env[name])}: expected a whole number${min > 0 ? ` ≥ ${min}` : ' ≥ 0'}`);
  }
  return n;
}
