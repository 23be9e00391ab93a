import { once } from 'node:events';
import { promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import { planOutputFile, type OutputPathOptions } from './output-path.js';
import { tempPathFor, trackTemp, untrackTemp } from './temp-files.js';

export { tempPathFor } from './temp-files.js';

/**
 * Writes a whole file through a temp name next to it (see temp-files.ts) and renames it into place,
 * so readers never see a half-written file and an interrupted write leaves no partial output. The
 * output rules of output-path.ts apply: a symlink's target is written (the link stays), a device or
 * FIFO is written in place, an input file (with `inputs`) is refused.
 */
export async function writeFileAtomic(finalPath: string, data: string | Uint8Array, opts: OutputPathOptions = {}): Promise<void> {
  const target = await planOutputFile(finalPath, { probe: false, ...opts });
  if (target.kind === 'stdout') {
    await writeStdout(data);
    return;
  }
  if (target.kind === 'direct') {
    await fs.writeFile(target.path, data);
    return;
  }
  const tmp = tempPathFor(target.path);
  trackTemp(tmp);
  try {
    await fs.writeFile(tmp, data, { flag: 'wx' });
    await fs.rename(tmp, target.path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  } finally {
    untrackTemp(tmp);
  }
}

/**
 * The synchronous twin of {@link writeFileAtomic} for code that cannot await (a kernel deciding
 * mid-step, a module set-up): temp next to `finalPath`, then a rename; the temp is removed on
 * failure and on a signal. `finalPath` is written as given: no output-path rules (a symlink there is
 * replaced, so callers that keep links resolve them first).
 */
export function writeFileAtomicSync(finalPath: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(finalPath);
  trackTemp(tmp);
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, finalPath);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    untrackTemp(tmp);
  }
}

/** Writes to stdout, waiting for it to drain when its buffer is full (a pipe to a slow reader). */
export async function writeStdout(data: string | Uint8Array): Promise<void> {
  if (!process.stdout.write(data)) await once(process.stdout, 'drain');
}
