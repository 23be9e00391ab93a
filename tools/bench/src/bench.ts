/**
 * What every benchmark implements. A bench measures twindb and, in the same invocation on the same
 * cores, its peer (PyTorch, faiss, ...), and returns one result object. With `--json` the runner
 * prints that object as the last line of output.
 */
export interface BenchContext {
  /** Arguments after the bench name, e.g. `npm run bench -- train-step --batch 64` → ['--batch', '64']. */
  args: string[];
  /** Human-readable progress (goes to stderr when --json is set, so stdout ends with the JSON line). */
  log: (msg: string) => void;
  json: boolean;
}

export interface BenchResult {
  bench: string;
  /** twindb time ÷ peer time, or peer throughput ÷ twindb throughput: lower is better; null when no peer ran. */
  ratio: number | null;
  /** Machine facts (cores, CPU model, backend) so that a figure is never quoted without its machine. */
  machine?: Record<string, unknown>;
  [figure: string]: unknown;
}

export interface Bench {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
