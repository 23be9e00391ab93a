import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** One JSON-lines log event. */
export interface RunEvent {
  ts: string;
  step: string;
  event: string;
  [field: string]: unknown;
}

/**
 * The log of one step's run: `<dir>/<step>.log.jsonl` (one JSON object per line, appended as it
 * happens, so a crashed run still leaves its story) and `<dir>/<step>.summary.json` (written once,
 * atomically, for machines to read).
 */
export class RunLog {
  readonly logPath: string;
  readonly summaryPath: string;

  constructor(
    readonly dir: string,
    readonly step: string,
    private readonly echo?: (line: string) => void,
  ) {
    mkdirSync(dir, { recursive: true });
    this.logPath = path.join(dir, `${step}.log.jsonl`);
    this.summaryPath = path.join(dir, `${step}.summary.json`);
  }

  /** Append one event. Sync on purpose: the line must be on disk even if the process dies next. */
  event(event: string, fields: Record<string, unknown> = {}): RunEvent {
    const e: RunEvent = { ts: new Date().toISOString(), step: this.step, event, ...fields };
    appendFileSync(this.logPath, `${JSON.stringify(e)}\n`);
    this.echo?.(`${event} ${JSON.stringify(fields)}`);
    return e;
  }

  async summary(summary: Record<string, unknown>): Promise<void> {
    await writeFileAtomic(this.summaryPath, `${JSON.stringify({ step: this.step, ...summary }, null, 2)}\n`);
  }
}
