import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { writeStdout } from '../run/atomic-file.js';
import { planOutputFile, type OutputPathOptions } from '../run/output-path.js';
import { tempPathFor, trackTemp, untrackTemp } from '../run/temp-files.js';

/**
 * The streaming counterpart of run/atomic-file.ts (same temp naming and output rules): a file
 * written in pieces under a temporary name in the destination folder and renamed over the final
 * name only on `commit()`. Same folder, so the rename is atomic on POSIX: readers see either the
 * old file, nothing, or the complete new file — never a truncated one. If the process dies
 * mid-write only a hidden `.name.twindb-<pid>-<hex>.tmp` is left, which the next run removes; on
 * SIGINT/SIGTERM the temp is removed at once (see run/signal-cleanup.ts).
 *
 * A symlink is written through (its target replaced atomically, the link kept); a character device
 * or FIFO is written in place, and `-` (with `allowStdout`) goes to stdout: those cannot be atomic.
 */
export class StreamingAtomicFile {
  private done = false;

  private constructor(
    readonly path: string,
    /** The temp file, or the device/FIFO path itself, or `-` for stdout. */
    readonly tempPath: string,
    private readonly handle: FileHandle | undefined,
    private readonly atomic: boolean,
  ) {}

  static async create(path: string, opts: OutputPathOptions = {}): Promise<StreamingAtomicFile> {
    const target = await planOutputFile(path, { probe: false, ...opts });
    if (target.kind === 'stdout') return new StreamingAtomicFile(path, '-', undefined, false);
    if (target.kind === 'direct') return new StreamingAtomicFile(path, target.path, await open(target.path, 'w'), false);
    const tempPath = tempPathFor(target.path);
    trackTemp(tempPath);
    try {
      return new StreamingAtomicFile(target.path, tempPath, await open(tempPath, 'wx'), true);
    } catch (err) {
      untrackTemp(tempPath);
      throw err;
    }
  }

  get finished(): boolean {
    return this.done;
  }

  /** Appends all bytes of `chunks`, in order. */
  async write(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.done) throw new Error(`${this.path}: write after the file was committed or discarded`);
    if (chunks.length === 0) return;
    if (!this.handle) {
      for (const c of chunks) await writeStdout(c);
      return;
    }
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    const { bytesWritten } = await this.handle.writev(chunks as Uint8Array[]);
    if (bytesWritten === total) return;
    // Short write (rare on local files, common on pipes): finish the rest chunk by chunk.
    let skip = bytesWritten;
    for (const c of chunks) {
      if (skip >= c.byteLength) {
        skip -= c.byteLength;
        continue;
      }
      let off = skip;
      skip = 0;
      while (off < c.byteLength) {
        const r = await this.handle.write(c, off, c.byteLength - off);
        off += r.bytesWritten;
      }
    }
  }

  /** Flushes to disk and renames the temp file to the final name. */
  async commit(): Promise<void> {
    if (this.done) throw new Error(`${this.path}: already committed or discarded`);
    this.done = true;
    if (!this.atomic) {
      await this.handle?.close();
      return;
    }
    const handle = this.handle as FileHandle;
    try {
      await handle.sync();
      await handle.close();
      await rename(this.tempPath, this.path);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(this.tempPath).catch(() => undefined);
      throw err;
    } finally {
      untrackTemp(this.tempPath);
    }
  }

  /** Closes and removes the temp file; the final name is left untouched. Safe to call twice. */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle?.close().catch(() => undefined);
    if (!this.atomic) return;
    try {
      await unlink(this.tempPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    } finally {
      untrackTemp(this.tempPath);
    }
  }
}
