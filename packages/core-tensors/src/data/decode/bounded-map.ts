export interface BoundedMapOptions {
  /** Calls of `fn` running at once. */
  concurrency: number;
  /** Finished results allowed to wait for the consumer. */
  prefetch: number;
}

export type Settled<I, O> = { ok: true; item: I; value: O } | { ok: false; item: I; error: unknown };

/**
 * Maps `fn` over `items` with bounded concurrency and bounded read-ahead, yielding results in input
 * order. Nothing beyond concurrency + prefetch items is started before the consumer asks for more, so
 * a slow consumer holds the producer back (back-pressure). Failures are yielded, not thrown.
 */
export async function* boundedMap<I, O>(items: Iterable<I>, fn: (item: I) => Promise<O>, opts: BoundedMapOptions): AsyncGenerator<Settled<I, O>> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const window = concurrency + Math.max(0, Math.floor(opts.prefetch));
  const it = items[Symbol.iterator]();
  const pending: Promise<Settled<I, O>>[] = [];
  let running = 0;
  const waiters: (() => void)[] = [];
  const run = async (item: I): Promise<Settled<I, O>> => {
    while (running >= concurrency) await new Promise<void>((r) => waiters.push(r));
    running++;
    try {
      return { ok: true, item, value: await fn(item) };
    } catch (error) {
      return { ok: false, item, error };
    } finally {
      running--;
      waiters.shift()?.();
    }
  };
  let done = false;
  const fill = () => {
    while (!done && pending.length < window) {
      const n = it.next();
      if (n.done) done = true;
      else pending.push(run(n.value));
    }
  };
  fill();
  while (pending.length > 0) {
    const head = await pending.shift()!;
    fill();
    yield head;
  }
}
