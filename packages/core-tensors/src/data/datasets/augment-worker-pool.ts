import type { Worker } from 'node:worker_threads';
import { ImageReadError } from '../decode/image-read-error.js';
import type { ImageF32, ImageU8 } from '../image.js';
import type { AugmentReply, AugmentTask, AugmentWorkerInit } from './augment-task.js';
import { spawnAugmentWorker } from './spawn-augment-worker.js';

interface Slot {
  worker: Worker;
  /** The worker has loaded its modules; until then it takes no task. */
  ready: boolean;
  /** Tasks posted to this worker and not answered yet. */
  pending: Map<number, { resolve: (v: { image: ImageF32; augmented: ImageF32 }) => void; reject: (e: unknown) => void }>;
}

let live = 0;
let tasksDone = 0;

/**
 * Whether the owner makes samples itself while no worker has started yet (see ready()). Tests switch
 * it off so that every sample goes through the workers.
 */
export const augmentPoolTuning = { ownerWorksWhileStarting: true };

/** Augment workers started and not yet exited, in this thread (tests check that none is left behind). */
export function liveAugmentWorkers(): number {
  return live;
}

/** Samples made by augment workers so far, in this thread (tests check that the workers did the work). */
export function augmentWorkerTasksDone(): number {
  return tasksDone;
}

/**
 * A fixed set of augment workers. Each task goes to the worker with the fewest tasks in flight; which
 * worker runs a task never changes its result (augmentViews derives all randomness from the sample).
 * A started worker is ref'd only while it has tasks in flight, so an idle pool that its owner forgot
 * to close never keeps the process alive; owners still close() it on every exit path.
 */
export class AugmentWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;
  private failure: Error | undefined;
  /** Settles when a first worker has started, and when the pool fails or closes (what a task waiting for a worker must not outlive). */
  private readonly started: Promise<void>;
  private readonly stopped: Promise<void>;
  private onStarted: () => void = () => {};
  private onStopped: () => void = () => {};

  constructor(size: number, init: AugmentWorkerInit) {
    this.started = new Promise((resolve) => (this.onStarted = resolve));
    this.stopped = new Promise((resolve) => (this.onStopped = resolve));
    for (let i = 0; i < size; i++) {
      const worker = spawnAugmentWorker({ workerData: init });
      live++;
      // Ref'd while starting (a task may be waiting for it), then only while it holds tasks.
      const slot: Slot = { worker, ready: false, pending: new Map() };
      worker.on('message', (m: AugmentReply) => this.settle(slot, m));
      // A crash (an uncaught error, a failed bootstrap) fails the tasks it held and every later one.
      worker.on('error', (err) => this.fail(slot, err instanceof Error ? err : new Error(String(err))));
      worker.on('exit', (code) => {
        live--;
        if (!this.closed) this.fail(slot, new Error(`augment worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /**
   * The two views of sample `index`: decoded by the worker from `path`, or from `image` (copied to the
   * worker, since the caller's buffer may be shared, e.g. an in-memory DB's).
   */
  async run(index: number, epoch: number, from: { path: string } | { image: ImageU8 }): Promise<{ image: ImageF32; augmented: ImageF32 }> {
    // A task posted before any worker has started waits for the first one (or for a failure or close).
    if (!this.ready()) await Promise.race([this.started, this.stopped]);
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('augment worker pool is closed');
    let target = this.slots[0];
    for (const s of this.slots) if (s.ready && (!target.ready || s.pending.size < target.pending.size)) target = s;
    const id = this.nextId++;
    const task: AugmentTask = { id, index, epoch, ...from };
    return new Promise((resolve, reject) => {
      if (target.pending.size === 0) target.worker.ref();
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage(task);
    });
  }

  /**
   * Whether a worker can take a task now. Workers take a second or more to start (module loading,
   * and tsx from sources), so the owner makes samples itself meanwhile instead of waiting. Throws
   * the error of a worker that crashed, so that a pool that cannot start is not silently bypassed.
   */
  ready(): boolean {
    if (this.failure) throw this.failure;
    return this.slots.some((s) => s.ready);
  }

  /** Terminates every worker (idempotent); tasks still in flight are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onStopped();
    const err = new Error('augment worker pool closed');
    for (const s of this.slots) this.rejectAll(s, err);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private settle(slot: Slot, m: AugmentReply): void {
    if ('ready' in m) {
      slot.ready = true;
      if (slot.pending.size === 0) slot.worker.unref();
      this.onStarted();
      return;
    }
    const p = slot.pending.get(m.id);
    if (!p) return;
    slot.pending.delete(m.id);
    if (slot.pending.size === 0) slot.worker.unref();
    if (m.ok) {
      tasksDone++;
      p.resolve({ image: m.image, augmented: m.augmented });
    } else if (m.readError) {
      p.reject(new ImageReadError(m.readError.file, m.readError.reason));
    } else {
      const e = new Error(m.message);
      if (m.stack) e.stack = m.stack;
      p.reject(e);
    }
  }

  private fail(slot: Slot, err: Error): void {
    this.failure ??= err;
    this.rejectAll(slot, err);
    this.onStopped();
  }


  private rejectAll(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
    slot.worker.unref();
  }
}
