import { Progress } from './progress.js';
import type { StepContext } from './step-context.js';

/** How much a run says: `quiet` only warnings and errors; `verbose` also details and frequent progress. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** Where a terminal writes (stderr by default): a stream, and whether it is an interactive terminal. */
export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface TerminalOptions {
  stream?: TerminalStream;
  verbosity?: Verbosity;
  /** Force in-place redrawing on or off (default: the stream's `isTTY`). */
  tty?: boolean;
  now?: () => number;
}

/** Lines that survive `--quiet`: warnings (every step writes them as `warning: …`) and errors. */
export function isWarning(line: string): boolean {
  return /^\s*(\[[^\]]*\]\s*)?(warning|error)\b/i.test(line);
}

const CLEAR_LINE = '\r\x1b[2K';

/**
 * The human side of a command: status lines and progress on one stream (stderr: stdout stays for
 * `--json`). On a terminal, a progress bar with rate and ETA is redrawn in place and log lines are
 * printed above it; elsewhere (a pipe, a log file) progress is a plain line every 10 s (every 1 s
 * when verbose). `quiet` keeps only warnings and errors and draws no progress; `verbose` adds the
 * `debug` lines.
 */
export class Terminal {
  readonly verbosity: Verbosity;
  readonly tty: boolean;
  private readonly stream: TerminalStream;
  private readonly now?: () => number;
  /** The status line being redrawn, if any. */
  private status: string | null = null;

  constructor(opts: TerminalOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.verbosity = opts.verbosity ?? 'normal';
    this.tty = opts.tty ?? this.stream.isTTY === true;
    this.now = opts.now;
  }

  /** A status line; under `quiet` only warnings and errors pass. */
  log(line: string): void {
    if (this.verbosity === 'quiet' && !isWarning(line)) return;
    this.print(line);
  }

  /** A detail line, shown only when verbose. */
  debug(line: string): void {
    if (this.verbosity === 'verbose') this.print(line);
  }

  /** An error: always shown, below the status line (which stays as it was last drawn). */
  error(line: string): void {
    this.endStatus();
    this.stream.write(`${line}\n`);
  }

  /** Leaves a status line still being redrawn as it is (a loop that stopped early) and moves below it. */
  endStatus(): void {
    if (this.status === null) return;
    this.stream.write('\n');
    this.status = null;
  }

  /** Progress of a loop of `total` items, drawn as this terminal draws it (nothing under `quiet`). */
  progress(label: string, total: number, unit?: string): Progress {
    if (this.verbosity === 'quiet') return new Progress(label, total, { unit, write: () => {}, intervalMs: Infinity, now: this.now });
    if (this.tty) return new Progress(label, total, { unit, redraw: (line, done) => this.redraw(line, done), now: this.now });
    return new Progress(label, total, { unit, write: (line) => this.print(line), intervalMs: this.verbosity === 'verbose' ? 1000 : 10_000, now: this.now });
  }

  /** A step context writing here (see StepContext). */
  context(signal?: AbortSignal): StepContext {
    return { log: (l) => this.log(l), debug: (l) => this.debug(l), progress: (l, t, u) => this.progress(l, t, u), signal };
  }

  private print(line: string): void {
    if (this.status === null) {
      this.stream.write(`${line}\n`);
      return;
    }
    // Above the bar: clear it, print the line, draw the bar again below.
    this.stream.write(`${CLEAR_LINE}${line}\n${this.status}`);
  }

  private redraw(line: string, done: boolean): void {
    const width = (this.stream.columns ?? 100) - 1;
    const fitted = line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
    if (done) {
      this.stream.write(`${CLEAR_LINE}${fitted}\n`);
      this.status = null;
    } else {
      this.stream.write(`${CLEAR_LINE}${fitted}`);
      this.status = fitted;
    }
  }
}
