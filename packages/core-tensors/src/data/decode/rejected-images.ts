import { writeFileAtomic } from '../../run/atomic-file.js';
import { formatCsvField } from '../../features/csv-line.js';

export interface RejectedImage {
  id: string;
  path?: string;
  reason: string;
}

/**
 * The unreadable images of a run: each is reported once as a warning line naming it, counted, and
 * can be written to the step's `rejected.csv`.
 */
export class RejectedImages {
  readonly items: RejectedImage[] = [];

  constructor(private readonly warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)) {}

  add(item: RejectedImage): void {
    this.items.push(item);
    this.warn(`warning: skipped unreadable image ${item.path ?? item.id}: ${item.reason}`);
  }

  get count(): number {
    return this.items.length;
  }

  toCsv(): string {
    return ['id,path,reason', ...this.items.map((r) => [r.id, r.path, r.reason].map(formatCsvField).join(','))].join('\n') + '\n';
  }

  /** Written under a temporary name, then renamed, so a reader never sees half a file. */
  async writeCsv(file: string): Promise<void> {
    await writeFileAtomic(file, this.toCsv());
  }
}
