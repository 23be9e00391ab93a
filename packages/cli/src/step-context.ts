import { Terminal, type StepContext, type Verbosity } from '@twindb/core-tensors';

/** The terminal every command of this process writes its lines and progress to (stderr: stdout is for `--json`). */
let terminal = new Terminal();

/** Sets how much the commands say (`--quiet` / `--verbose`); called once the global options are parsed. */
export function configureTerminal(verbosity: Verbosity, opts: { stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }; tty?: boolean } = {}): Terminal {
  terminal = new Terminal({ verbosity, stream: opts.stream, tty: opts.tty });
  return terminal;
}

/** The terminal of this process (see {@link configureTerminal}). */
export function cliTerminal(): Terminal {
  return terminal;
}

/** The step context of a terminal run: lines and progress on stderr, a bar redrawn in place on a TTY. */
export function stepContextForCli(): StepContext {
  return terminal.context();
}
