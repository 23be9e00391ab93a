/**
 * Multithreaded XNNPACK for the tfjs wasm backend in Node.
 *
 * tfjs-backend-wasm 4.x ships a threaded-SIMD build but never uses it in Node: its
 * WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired false there (tfjs#3830), and forcing the flag
 * fails because the pthread workers are started from a blob: URL, which Node's Worker rejects
 * (ERR_WORKER_PATH). Here the 'wasm' backend factory is replaced by one that instantiates the
 * threaded build itself, with the worker script written to a real file and the main script given
 * as a path. Three more Node-specific fixes are needed:
 *  - the C++ side caps the pool at `os.cpus().length / 2` (it assumes hyper-threads), read once
 *    while the module instantiates, so os.cpus() reports 2 × threads for that moment only;
 *  - emscripten's workers inherit the parent's execArgv (e.g. `--import tsx`, loading a
 *    TypeScript loader into 8 workers costs seconds), so they get an empty one;
 *  - pthread workers are ref'd and would keep the process alive forever, so they are unref'd.
 * Anything that goes wrong falls back to the stock single-threaded SIMD backend, with the reason
 * logged: threads are a speed-up, never a new way to fail.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../../run/atomic-file.js';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

/** XNNPACK's pool in this build pre-creates 8 workers; more threads only add spawn cost. */
const MAX_THREADS = 8;
const INIT_TIMEOUT_MS = 120_000;
const WASM_PRIORITY = 2;

type Log = (msg: string) => void;
type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

export interface WasmThreadsOptions {
  /** Threads for XNNPACK (including the main thread). Default: env TWINDB_WASM_THREADS, else the
   * number of logical CPUs, capped at 8. 1 keeps the stock single-threaded backend. */
  threads?: number;
  log?: Log;
}

/** What {@link configureWasmThreads} did. The thread count actually running is known only once
 * the backend initialises: `getThreadsCount()` from '@tensorflow/tfjs-backend-wasm'. */
export interface WasmThreadsPlan {
  /** Threads the replaced factory will ask for; 1 when the stock backend stays. */
  threads: number;
  /** Why the stock single-threaded backend stays, when it does. */
  reason?: string;
}

/** The files of the threaded build inside the installed @tensorflow/tfjs-backend-wasm. */
export interface ThreadedBuildFiles {
  /** Emscripten factory script (CommonJS); also loaded by every worker. */
  factory: string;
  /** CommonJS module exporting the pthread worker's source as `wasmWorkerContents`. */
  workerSource: string;
  /** Directory of the package version, used to name the extracted worker file. */
  version: string;
}

const configuredFactories = new WeakSet<BackendFactory>();

export function threadedBuildFiles(): ThreadedBuildFiles {
  const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const dir = path.join(path.dirname(pkgJson), 'wasm-out');
  const { version } = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string };
  return {
    factory: path.join(dir, 'tfjs-backend-wasm-threaded-simd.js'),
    workerSource: path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js'),
    version,
  };
}

/** Threads to use when the caller names none: TWINDB_WASM_THREADS, else the logical CPUs. */
export function defaultWasmThreads(env: NodeJS.ProcessEnv = process.env, cpus = logicalCpus()): number {
  const raw = env.TWINDB_WASM_THREADS;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`TWINDB_WASM_THREADS: expected a whole number ≥ 1, got "${raw}"`);
    }
    return Math.min(n, MAX_THREADS);
  }
  return Math.max(1, Math.min(cpus, MAX_THREADS));
}

function logicalCpus(): number {
  const os = require('node:os') as typeof import('node:os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Makes the next initialisation of the 'wasm' backend multithreaded. Call after importing
 * '@tensorflow/tfjs-backend-wasm' and before `tf.setBackend('wasm')`; `initBackend()` does.
 * A second call, or a call after the backend initialised, changes nothing and says why.
 */
export function configureWasmThreads(opts: WasmThreadsOptions = {}): WasmThreadsPlan {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[twindb] ${m}\n`));
  const threads = opts.threads ?? defaultWasmThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`configureWasmThreads: threads must be a whole number ≥ 1, got ${threads}`);
  }
  const stock = tf.findBackendFactory('wasm') as BackendFactory | null;
  if (stock === null) {
    throw new Error("configureWasmThreads: no 'wasm' backend is registered; import '@tensorflow/tfjs-backend-wasm' first");
  }
  if (configuredFactories.has(stock)) return { threads: 1, reason: 'already configured' };
  if (isInitialised('wasm')) return { threads: 1, reason: 'the wasm backend is already initialised' };
  if (threads === 1) return { threads: 1, reason: 'one thread requested' };
  const missing = threadSupportMissing();
  if (missing) {
    log(`wasm: single-threaded (${missing})`);
    return { threads: 1, reason: missing };
  }

  const factory = threadedWasmFactory(threads, threadedBuildFiles, stock, log);
  configuredFactories.add(factory);
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, WASM_PRIORITY);
  return { threads };
}

/** A backend factory: the threaded build, else (with the reason logged) the stock factory. */
export function threadedWasmFactory(
  threads: number,
  files: () => ThreadedBuildFiles,
  stock: BackendFactory,
  log: Log,
): BackendFactory {
  return async () => {
    try {
      const backend = await withTimeout(createThreadedBackend(threads, files()), INIT_TIMEOUT_MS);
      log(`wasm: ${threads} threads (XNNPACK pool)`);
      return backend;
    } catch (err) {
      log(`wasm: threaded build failed, falling back to 1 thread (${firstLine(err)})`);
      return stock();
    }
  };
}

function isInitialised(name: string): boolean {
  // Engine.registry holds the initialised backends; findBackend() would initialise one.
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return name in registry;
}

type SharedMemoryCtor = new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike };

function threadSupportMissing(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function') return 'this Node has no SharedArrayBuffer';
  try {
    // The project's lib settings declare no WebAssembly value; Node has it.
    const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: SharedMemoryCtor } }).WebAssembly;
    const mem = new Memory({ initial: 1, maximum: 1, shared: true });
    if (!(mem.buffer instanceof SharedArrayBuffer)) return 'this Node has no shared WebAssembly memory';
  } catch (err) {
    return `this Node has no shared WebAssembly memory (${firstLine(err)})`;
  }
  return undefined;
}

interface EmscriptenWorker {
  unref(): void;
}

interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[] };
  tfjs?: Record<string, unknown>;
}

/** Instantiates the threaded build and wraps it in the package's own BackendWasm. */
export async function createThreadedBackend(threads: number, files: ThreadedBuildFiles): Promise<tf.KernelBackend> {
  const wasmPkg = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const workerFile = extractWorker(files);
  const factory = require(files.factory) as (config: object) => Promise<ThreadedModule>;

  const os = require('node:os') as { cpus: () => unknown[] };
  const workerThreads = require('node:worker_threads') as { Worker: typeof import('node:worker_threads').Worker };
  const realCpus = os.cpus;
  const RealWorker = workerThreads.Worker;
  let workerError: unknown;
  const cpus = realCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  // Only our worker file is changed; any other Worker created meanwhile is untouched.
  workerThreads.Worker = class extends RealWorker {
    constructor(file: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      const ours = String(file) === workerFile;
      super(file, ours ? { ...options, execArgv: [] } : options);
      if (ours) {
        this.unref();
        // emscripten rethrows a worker's error from its handler, which would crash the process.
        this.on('error', (err) => {
          workerError ??= err;
        });
      }
    }
  } as typeof RealWorker;
  let module: ThreadedModule;
  try {
    module = await factory({
      locateFile: (p: string, prefix: string) => (p.endsWith('.worker.js') ? workerFile : prefix + p),
      mainScriptUrlOrBlob: files.factory,
    });
  } finally {
    os.cpus = realCpus;
    workerThreads.Worker = RealWorker;
  }
  if (workerError !== undefined) throw workerError;
  // Same wrappers as the package's own init(); BackendWasm calls them.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasmPkg.setThreadsCount(threads);
  const backend = new wasmPkg.BackendWasm(module as unknown as ConstructorParameters<typeof wasmPkg.BackendWasm>[0]);
  // Starting the pool ref'd the pthread workers again; idle pool threads must not hold the process.
  for (const w of [...module.PThread.runningWorkers, ...module.PThread.unusedWorkers]) w.unref();
  return backend;
}

/** Writes the worker source to a versioned file in the temp dir (temp name, then rename). */
function extractWorker(files: ThreadedBuildFiles): string {
  const { wasmWorkerContents } = require(files.workerSource) as { wasmWorkerContents: string };
  const osMod = require('node:os') as typeof import('node:os');
  const dir = path.join(osMod.tmpdir(), 'twindb-wasm');
  const target = path.join(dir, `tfjs-backend-wasm-${files.version}-threaded-simd.worker.cjs`);
  // The source was a template literal: its "\n" escapes are real newlines now, which would end
  // string literals mid-way; tfjs escapes them the same way before making its blob.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === source) return target;
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomicSync(target, source);
  return target;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the threaded build within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}
