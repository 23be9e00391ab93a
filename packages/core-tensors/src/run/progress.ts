/** Options of a {@link Progress} line. */
export interface ProgressOptions {
  /** Where the line goes (default stderr, so stdout stays machine-readable). */
  write?: (line: string) => void;
  /** Minimum time between two printed lines, in ms (default 1000 on a TTY redraw, 10000 otherwise). */
  intervalMs?: number;
  /** Unit shown in the rate, e.g. 'img' → "532 img/s". */
  unit?: string;
  now?: () => number;
}

/**
 * Progress with rate and ETA for every long loop. Prints at most one line per interval, plus the
 * final line, so logs of long runs stay readable.
 */
export class Progress {
  private done = 0;
  private readonly start: number;
  private lastPrint = -Infinity;
  private readonly write: (line: string) => void;
  private readonly intervalMs: number;
  private readonly unit: string;
  private readonly now: () => number;

  constructor(
    readonly label: string,
    readonly total: number,
    opts: ProgressOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
    this.write = opts.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.intervalMs = opts.intervalMs ?? (process.stderr.isTTY ? 1000 : 10_000);
    this.unit = opts.unit ?? 'it';
  }

  /** Count `n` more items done; `note` is appended to the line (e.g. the current loss). */
  tick(n = 1, note?: string): void {
    this.done += n;
    const t = this.now();
    if (t - this.lastPrint >= this.intervalMs || this.done >= this.total) {
      this.lastPrint = t;
      this.write(this.line(note));
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
