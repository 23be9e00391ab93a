/**
 * Exact set of row ids for duplicate detection over a whole feature file. A V8 `Set` holds at
 * most 2^24 entries (≈16.7 M) and throws beyond that, which a large pool file can exceed, so ids
 * are spread over several Sets. Memory is O(rows): roughly 100 bytes per short id.
 */
const SHARD_LIMIT = 1 << 23;

export class IdSet {
  private readonly shards: Set<string>[] = [new Set()];

  get size(): number {
    let n = 0;
    for (const s of this.shards) n += s.size;
    return n;
  }

  has(id: string): boolean {
    for (const s of this.shards) if (s.has(id)) return true;
    return false;
  }

  /** Adds `id`; returns false (and adds nothing) when it was already present. */
  add(id: string): boolean {
    if (this.has(id)) return false;
    let last = this.shards[this.shards.length - 1];
    if (last.size >= SHARD_LIMIT) {
      last = new Set();
      this.shards.push(last);
    }
    last.add(id);
    return true;
  }
}
