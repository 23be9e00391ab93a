import { Progress } from './progress.js';

/**
 * What every step's `run<Step>(options, context)` receives from its caller: where human-readable
 * lines go, how progress is shown, and a signal that stops it between batches. The CLI fills it for
 * a terminal; a tool that imports a step passes its own (or nothing: the defaults write to stderr).
 */
export interface StepContext {
  /** One human-readable line (the CLI writes it to stderr; stdout stays for `--json`). A warning starts with `warning:` (it survives `--quiet`). */
  log: (line: string) => void;
  /** A detail line for `--verbose` (default: dropped). */
  debug?: (line: string) => void;
  /** A progress line with rate and ETA for a loop of `total` items. */
  progress: (label: string, total: number, unit?: string) => Progress;
  /** Aborts the step at its next batch boundary (it then throws the signal's reason). */
  signal?: AbortSignal;
}

/** A full context from a partial one: missing parts write to stderr. */
export function stepContext(partial: Partial<StepContext> = {}): StepContext {
  const log = partial.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return {
    log,
    debug: partial.debug ?? (() => {}),
    progress: partial.progress ?? ((label, total, unit) => new Progress(label, total, { unit, write: log })),
    signal: partial.signal,
  };
}
