/**
 * glibc malloc settings that make ONNX Runtime's per-run buffers cheap, and whether they are on.
 *
 * Why: every ORT run hands its output back in a freshly allocated buffer (32 MB for a ResNet-18
 * CIFAR activation at batch 128). glibc serves blocks that large with a fresh mmap and unmaps them
 * on free, so every run page-faults its output in again; on this project's 2-core VM that costs
 * ~130 ms per 32 MB, four times the convolution itself (forward 32×32×64, batch 128: 167 → 38 ms
 * per call with the settings). MALLOC_MMAP_MAX_=0 takes large blocks from the heap and
 * MALLOC_TRIM_THRESHOLD_ keeps freed heap memory, so the next run reuses pages already mapped
 * (peak RSS grows a little: freed memory is kept, not returned).
 *
 * glibc reads these variables once, when the process starts, so they cannot be set from inside
 * Node: `npx twindb` starts through bin/twindb, a shell launcher that exports them (keeping any
 * value the user set) and then execs Node; `npm run bench` sets them in its script. Programs that
 * import the packages set them themselves; {@link mallocTuning} tells whether they did.
 */

/** The variables and values; bin/twindb and the bench script write the same (a test checks). */
export const MALLOC_TUNING_ENV = {
  MALLOC_MMAP_MAX_: '0',
  MALLOC_TRIM_THRESHOLD_: '68719476736',
} as const;

export interface MallocTuningState {
  /** Both variables are set as {@link MALLOC_TUNING_ENV} has them. */
  tuned: boolean;
  /** What the process environment holds for each (null = unset). */
  env: Record<keyof typeof MALLOC_TUNING_ENV, string | null>;
}

export function mallocTuning(env: NodeJS.ProcessEnv = process.env): MallocTuningState {
  const keys = Object.keys(MALLOC_TUNING_ENV) as Array<keyof typeof MALLOC_TUNING_ENV>;
  const values = Object.fromEntries(keys.map((k) => [k, env[k] ?? null])) as MallocTuningState['env'];
  return { tuned: keys.every((k) => values[k] === MALLOC_TUNING_ENV[k]), env: values };
}

/** The shell prefix that sets the variables, for hints. */
export function mallocTuningPrefix(): string {
  return Object.entries(MALLOC_TUNING_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
