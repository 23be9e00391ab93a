/** Options of a {@link Progress} line. */
export interface ProgressOptions {
  /** Where plain lines go (default stderr, so stdout stays machine-readable). */
  write?: (line: string) => void;
  /**
   * A status line redrawn in place (a terminal's; see {@link Terminal}): receives the line with a
   * bar on every redraw, `done` on the last. When given, `write` is not used.
   */
  redraw?: (line: string, done: boolean) => void;
  /** Minimum time between two outputs, in ms (default: 100 when redrawn in place; plain lines 1000 when stderr is a TTY, else 10000). */
  intervalMs?: number;
  /** Unit shown in the rate, e.g. 'img' → "532 img/s". */
  unit?: string;
  now?: () => number;
  /** Characters of the bar drawn in place (default 24). */
  barWidth?: number;
}

/**
 * Progress with rate and ETA for every long loop. Plain lines (a log, a pipe) get at most one line
 * per interval plus the final one, so logs of long runs stay readable; a terminal gets a bar
 * redrawn in place (`redraw`, fed by {@link Terminal.progress}).
 */
export class Progress {
  private done = 0;
  private readonly start: number;
  private lastPrint = -Infinity;
  private readonly write: (line: string) => void;
  private readonly redraw: ((line: string, done: boolean) => void) | undefined;
  private readonly intervalMs: number;
  private readonly unit: string;
  private readonly now: () => number;
  private readonly barWidth: number;

  constructor(
    readonly label: string,
    readonly total: number,
    opts: ProgressOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
    this.write = opts.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.redraw = opts.redraw;
    this.intervalMs = opts.intervalMs ?? (this.redraw ? 100 : process.stderr.isTTY ? 1000 : 10_000);
    this.unit = opts.unit ?? 'it';
    this.barWidth = opts.barWidth ?? 24;
  }

  /** Count `n` more items done; `note` is appended to the line (e.g. the current loss). */
  tick(n = 1, note?: string): void {
    this.done += n;
    const t = this.now();
    const finished = this.done >= this.total;
    if (t - this.lastPrint >= this.intervalMs || finished) {
      this.lastPrint = t;
      if (this.redraw) this.redraw(`${this.bar()} ${this.line(note)}`, finished);
      else this.write(this.line(note));
    }
  }

  /** The current status line. */
  line(note?: string): string {
    const elapsed = (this.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const pct = this.total > 0 ? (100 * this.done) / this.total : 100;
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const parts = [
      `${this.label} ${this.done}/${this.total} (${pct.toFixed(1)}%)`,
      `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(2)} ${this.unit}/s`,
      `elapsed ${formatDuration(elapsed)}`,
      this.done >= this.total ? 'done' : `ETA ${formatDuration(eta)}`,
    ];
    if (note) parts.push(note);
    return parts.join(' · ');
  }

  /** `[█████░░░░░]`: the share done, `barWidth` characters wide. */
  bar(): string {
    const share = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const full = Math.round(share * this.barWidth);
    return `[${'█'.repeat(full)}${'░'.repeat(this.barWidth - full)}]`;
  }

  /** Seconds since start. */
  elapsedSeconds(): number {
    return (this.now() - this.start) / 1000;
  }
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}
