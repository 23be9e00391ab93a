import { removeLiveTemps, removeTempsOnExit } from './temp-files.js';

/** Exit codes of a run stopped by a signal, as shells report them (128 + signal number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export interface SignalCleanupOptions {
  /** Told which signal arrived, before the temps are removed (default: a line on stderr). */
  log?: (line: string) => void;
  /** Called instead of `process.exit` (tests). */
  exit?: (code: number) => void;
}

let installed: (() => void) | undefined;

/**
 * For a process that runs twindb steps (the CLI, a job script): on SIGINT or SIGTERM, remove every
 * temp file and folder the steps are writing (synchronously, so nothing can be renamed into place
 * halfway) and exit with 130 / 143; on any other exit, remove them too. Final outputs already in
 * place are complete and stay. Idempotent; returns a function that removes the handlers.
 * A library caller that handles signals itself calls `removeLiveTemps()` from its own handler instead.
 */
export function installSignalCleanup(opts: SignalCleanupOptions = {}): () => void {
  removeTempsOnExit();
  if (installed) return installed;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]).map((signal) => {
    const handler = () => {
      try {
        log(`twindb: ${signal} received; removing temp files and stopping (outputs already complete are kept)`);
      } catch {
        // stderr may be gone; cleanup matters more
      }
      removeLiveTemps();
      exit(SIGNAL_EXIT_CODES[signal]);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  installed = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    installed = undefined;
  };
  return installed;
}
