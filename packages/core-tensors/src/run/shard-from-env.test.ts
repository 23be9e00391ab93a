import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/twindb-error.js';
import { shardFromEnv } from './shard-from-env.js';

const k8s = (index: string, count?: string) => ({ JOB_COMPLETION_INDEX: index, ...(count === undefined ? {} : { TWINDB_SHARD_COUNT: count }) });
const slurm = (id: string, count: string, min: string, max?: string) => ({
  SLURM_ARRAY_TASK_ID: id,
  SLURM_ARRAY_TASK_COUNT: count,
  SLURM_ARRAY_TASK_MIN: min,
  ...(max === undefined ? {} : { SLURM_ARRAY_TASK_MAX: max }),
});

/** The UsageError's message (fails the test when nothing, or something else, is thrown). */
function refusal(env: Record<string, string>): string {
  try {
    shardFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('shardFromEnv', () => {
  it('reads a Kubernetes Indexed Job: JOB_COMPLETION_INDEX of TWINDB_SHARD_COUNT', () => {
    expect(shardFromEnv(k8s('0', '4'))).toEqual({ index: 0, count: 4, source: 'kubernetes' });
    expect(shardFromEnv(k8s('3', '4'))).toEqual({ index: 3, count: 4, source: 'kubernetes' });
  });

  it('reads a Slurm array: index = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN', () => {
    expect(shardFromEnv(slurm('0', '4', '0', '3'))).toEqual({ index: 0, count: 4, source: 'slurm' });
    // --array=5-8: task 7 is the third shard
    expect(shardFromEnv(slurm('7', '4', '5', '8'))).toEqual({ index: 2, count: 4, source: 'slurm' });
    expect(shardFromEnv(slurm('8', '4', '5'))).toEqual({ index: 3, count: 4, source: 'slurm' });
  });

  it('ignores unrelated and empty variables', () => {
    expect(shardFromEnv({ ...k8s('1', '2'), SLURM_ARRAY_TASK_ID: '', PATH: '/bin' })).toEqual({ index: 1, count: 2, source: 'kubernetes' });
  });

  it('refuses when no engine is set, naming both index variables', () => {
    expect(refusal({ SLURM_JOB_ID: '12' })).toMatch(/neither JOB_COMPLETION_INDEX .* nor SLURM_ARRAY_TASK_ID .* is set; .*--shard i\/n/);
  });

  it('refuses a missing count', () => {
    expect(refusal(k8s('1'))).toMatch(/JOB_COMPLETION_INDEX=1 is set .* but TWINDB_SHARD_COUNT is not; set it .* to the Job's completions/);
    expect(refusal({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '0' })).toMatch(/SLURM_ARRAY_TASK_ID=1 is set .* but SLURM_ARRAY_TASK_COUNT is not/);
    expect(refusal({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4' })).toMatch(/but SLURM_ARRAY_TASK_MIN is not/);
  });

  it('refuses values that are not whole numbers, naming the variable and its value', () => {
    expect(refusal(k8s('one', '4'))).toMatch(/JOB_COMPLETION_INDEX="one": expected a whole number ≥ 0/);
    expect(refusal(k8s('-1', '4'))).toMatch(/JOB_COMPLETION_INDEX="-1": expected a whole number/);
    expect(refusal(k8s('1', '2.5'))).toMatch(/TWINDB_SHARD_COUNT="2.5": expected a whole number ≥ 1/);
    expect(refusal(k8s('0', '0'))).toMatch(/TWINDB_SHARD_COUNT="0": expected a whole number ≥ 1/);
    expect(refusal(slurm('2', '4', 'x'))).toMatch(/SLURM_ARRAY_TASK_MIN="x": expected a whole number/);
  });

  it('refuses an index out of range', () => {
    expect(refusal(k8s('4', '4'))).toMatch(/JOB_COMPLETION_INDEX=4 is out of range: expected below TWINDB_SHARD_COUNT=4/);
    expect(refusal(slurm('9', '4', '5'))).toMatch(/SLURM_ARRAY_TASK_ID=9 is out of range: expected SLURM_ARRAY_TASK_MIN=5 ≤ id < 9/);
    expect(refusal(slurm('4', '4', '5'))).toMatch(/SLURM_ARRAY_TASK_ID=4 is out of range/);
  });

  it('refuses a Slurm array with gaps or a step', () => {
    // --array=0,3,7: COUNT 3, MIN 0, MAX 7
    expect(refusal(slurm('3', '3', '0', '7'))).toMatch(/Slurm array is not contiguous \(SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_MAX=7, SLURM_ARRAY_TASK_COUNT=3\)/);
  });

  it('accepts both engines when they agree, refuses them when they disagree', () => {
    expect(shardFromEnv({ ...k8s('2', '4'), ...slurm('2', '4', '0') })).toEqual({ index: 2, count: 4, source: 'kubernetes' });
    expect(refusal({ ...k8s('2', '4'), ...slurm('1', '4', '0') })).toMatch(/both a Kubernetes Indexed Job .*shard 2\/4.* and a Slurm array .*shard 1\/4.* disagree/);
    expect(refusal({ ...k8s('1', '4'), ...slurm('1', '5', '0') })).toMatch(/disagree/);
  });
});
