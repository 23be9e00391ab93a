/**
 * The conv plan: which runner each layer shape and kind got when the `auto` method timed it,
 * kept in a file so that every later process on the same machine runs the same forms.
 *
 * Why: the forms agree only to float rounding, and `auto` decides by timing on a VM whose speed
 * drifts 10–40 % from minute to minute, so two processes could pick differently and round
 * differently — a resumed training run then differed from an uninterrupted one in the last bits,
 * and two identical runs from each other. With a plan file, the first process to meet a layer
 * times it and records the winner; every process after it (a resume after kill -9, a rerun, a
 * second shard) reads the decision instead of timing, so the same command gives the same bytes.
 * Decisions are per machine (CPU model, core count, library versions): another machine times its own.
 *
 * The file is twindb's own cache (the `twindb` CLI's default: `~/.cache/twindb/conv-plan.json`;
 * flag --conv-plan, env TWINDB_CONV_PLAN; library callers opt in through initBackend's convPlan).
 * Each new decision is merged in under a lock file (two shards timing at once on one machine must
 * not drop each other's entries) and written through a temp file and a rename; an entry, once
 * written, is never changed (the first writer wins). A file that does not parse is refused with a
 * message naming it; one that cannot be written is logged once and the run goes on. Delete it to
 * time again (after an upgrade, say).
 */
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { InputDataError } from '../../../errors/twindb-error.js';
import { writeFileAtomicSync } from '../../../run/atomic-file.js';
import { isPidAlive, removeStaleTemps, trackTemp, untrackTemp } from '../../../run/temp-files.js';
import { ConvMethodChoiceSchema } from '../../backend-options.js';
import { nchwcBlockSize } from './nchwc.js';

const require = createRequire(import.meta.url);

/** What can run a layer: XNNPACK or one ORT form (the zod schema's names without `auto`). */
export const ConvRunnerSchema = z.enum(['xnnpack', ...ConvMethodChoiceSchema.exclude(['auto']).options]);
export type PlannedRunner = z.infer<typeof ConvRunnerSchema>;

export const ConvPlanFileSchema = z
  .object({
    version: z.literal(1),
    machines: z
      .record(z.string(), z.record(z.string(), ConvRunnerSchema))
      .describe('machine key → (layer kind:geometry → runner)'),
  })
  .strict();
export type ConvPlanFileContent = z.infer<typeof ConvPlanFileSchema>;

/** Where the CLI keeps the plan unless told otherwise: $XDG_CACHE_HOME/twindb, else ~/.cache/twindb. */
export function defaultConvPlanPath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'twindb', 'conv-plan.json');
}

/** The machine a decision holds for: what changes which form is fastest. */
export function convPlanMachineKey(): string {
  const version = (pkg: string): string => {
    try {
      return (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  return [
    cpu,
    `${os.availableParallelism()} cpus`,
    `onnxruntime-node ${version('onnxruntime-node')}`,
    `tfjs-backend-wasm ${version('@tensorflow/tfjs-backend-wasm')}`,
    `nchwc block ${nchwcBlockSize()}`,
  ].join(' | ');
}

export interface ConvPlanFileOptions {
  /** This machine's key (default {@link convPlanMachineKey}; tests pass their own). */
  machine?: string;
  /** Where a failed write is reported (once); default stderr. */
  log?: (msg: string) => void;
  /** How long a write waits for another process's lock before giving up on writing (default 5 s). */
  lockWaitMs?: number;
}

/** A plan file and this machine's decisions in it. */
export class ConvPlanFile {
  readonly machine: string;
  private decisions: Record<string, PlannedRunner>;
  /** Where reads and writes go: `file`, or the file a symlink there points to (the link stays). */
  private readonly target: string;
  private readonly log: (msg: string) => void;
  private readonly lockWaitMs: number;
  private unwritable = false;

  /** Reads `file` (a missing file is an empty plan). */
  constructor(
    readonly file: string,
    opts: ConvPlanFileOptions = {},
  ) {
    this.machine = opts.machine ?? convPlanMachineKey();
    this.log = opts.log ?? ((m) => process.stderr.write(`[twindb] ${m}\n`));
    this.lockWaitMs = opts.lockWaitMs ?? 5000;
    this.target = linkTarget(file);
    // A process killed while writing leaves its temp file; ours to remove once its writer is dead.
    removeStaleTemps(path.dirname(this.target), [path.basename(this.target)]);
    this.decisions = { ...(readPlan(this.target, file)?.machines[this.machine] ?? {}) };
  }

  /** Decisions recorded for this machine. */
  get size(): number {
    return Object.keys(this.decisions).length;
  }

  get(layer: string): PlannedRunner | undefined {
    return this.decisions[layer];
  }

  /**
   * Records `runner` for `layer` unless the file already has a decision for it (another process
   * may have written one since we read it), and returns the decision that now holds. A plan that
   * cannot be written (a read-only home, a full disk) does not stop the run: the decision holds
   * for this process only, and that is logged once.
   */
  record(layer: string, runner: PlannedRunner): PlannedRunner {
    let held: PlannedRunner | undefined;
    try {
      withLock(this.target, this.lockWaitMs, () => {
        const content = readPlan(this.target, this.file) ?? { version: 1 as const, machines: {} };
        const mine = (content.machines[this.machine] ??= {});
        held = mine[layer];
        if (held === undefined) {
          mine[layer] = runner;
          // Synchronous: runConv, which records, cannot await.
          writeFileAtomicSync(this.target, `${JSON.stringify(content, null, 1)}\n`);
        }
        this.decisions = { ...mine };
      });
    } catch (err) {
      if (err instanceof InputDataError) throw err;
      if (!this.unwritable) {
        this.log(`conv plan ${this.file}: cannot write it (${(err as Error).message}); this process keeps its timed conv forms to itself, so another run may round differently`);
      }
      this.unwritable = true;
    }
    this.decisions[layer] ??= held ?? runner;
    return held ?? runner;
  }
}

/**
 * Runs `fn` holding `<target>.twindb-lock` (created exclusively; it holds the owner's pid). A lock
 * whose owner is dead is removed; one held longer than `waitMs` by a live process is an error.
 */
function withLock(target: string, waitMs: number, fn: () => void): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const lock = `${target}.twindb-lock`;
  const deadline = Date.now() + waitMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      trackTemp(lock);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = lockState(lock);
    // Released between our attempt and the look: try again (removing it now could remove the
    // next owner's fresh lock, and two writers would drop each other's entries).
    if (held === undefined) continue;
    const owner = Number(held.text);
    // An owner that died (or never wrote its pid, a second ago or more) leaves the lock to us.
    const stale = Number.isInteger(owner) && owner > 0 ? !isPidAlive(owner) : Date.now() - held.mtimeMs > 1000;
    if (stale) {
      // Only the lock we judged: a new owner may have taken it since.
      if (lockState(lock)?.text === held.text) rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} held by process ${owner} for ${waitMs} ms`);
    Atomics.wait(pause, 0, 0, 10);
  }
  try {
    fn();
  } finally {
    rmSync(lock, { force: true });
    untrackTemp(lock);
  }
}

/** The lock's content and time, or undefined when there is no lock (any more). */
function lockState(lock: string): { text: string; mtimeMs: number } | undefined {
  try {
    return { mtimeMs: statSync(lock).mtimeMs, text: readFileSync(lock, 'utf8').trim() };
  } catch {
    return undefined;
  }
}

function linkTarget(file: string): string {
  try {
    return lstatSync(file).isSymbolicLink() ? realpathSync(file) : file;
  } catch {
    return file;
  }
}

/** The plan in `target`, or undefined when there is none yet; errors name the path as given (`file`). */
function readPlan(target: string, file: string): ConvPlanFileContent | undefined {
  let text: string;
  try {
    text = readFileSync(target, 'utf8');
  } catch (err) {
    // No plan there yet (ENOTDIR: a file stands where its folder would be; the write will say so).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InputDataError(`conv plan ${file}: cannot read it (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputDataError(`conv plan ${file}: not JSON (${(err as Error).message}); delete it to time the layers again`);
  }
  const parsed = ConvPlanFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputDataError(
      `conv plan ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}; a plan is {"version":1,"machines":{machine:{layer:runner}}}; delete it to time the layers again`,
    );
  }
  return parsed.data;
}
