import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { tempPathFor } from '../run/atomic-file.js';

/**
 * The streaming counterpart of run/atomic-file.ts (same temp naming): a file written in pieces
 * under a temporary name in the destination folder and renamed over the final
 * name only on `commit()`. Same folder, so the rename is atomic on POSIX: readers see either the
 * old file, nothing, or the complete new file — never a truncated one, even if the process dies
 * mid-write (then only a hidden `.name.*.tmp` is left behind).
 */
export class StreamingAtomicFile {
  private done = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<StreamingAtomicFile> {
    const tempPath = tempPathFor(path);
    const handle = await open(tempPath, 'wx');
    return new StreamingAtomicFile(path, tempPath, handle);
  }

  get finished(): boolean {
    return this.done;
  }

  /** Appends all bytes of `chunks`, in order. */
  async write(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.done) throw new Error(`${this.path}: write after the file was committed or discarded`);
    if (chunks.length === 0) return;
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    const { bytesWritten } = await this.handle.writev(chunks as Uint8Array[]);
    if (bytesWritten === total) return;
    // Short write (rare on local files): finish the rest chunk by chunk.
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
    try {
      await this.handle.sync();
      await this.handle.close();
      await rename(this.tempPath, this.path);
    } catch (err) {
      await this.handle.close().catch(() => undefined);
      await unlink(this.tempPath).catch(() => undefined);
      throw err;
    }
  }

  /** Closes and removes the temp file; the final name is left untouched. Safe to call twice. */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
