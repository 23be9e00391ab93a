import { AsyncByteQueue } from 'apache-arrow';

/**
 * Receives the Arrow writer's output synchronously. The stock sink is an unbounded async queue
 * (or a Node stream piped without back-pressure), so the writer would buffer a whole file if the
 * disk were slower than the encoder; taking the chunks after every batch keeps one batch in memory.
 */
export class ChunkSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }

  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}
