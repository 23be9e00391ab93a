/**
 * Synchronous ONNX Runtime sessions for use inside TensorFlow.js kernels.
 *
 * tfjs kernels are synchronous, but onnxruntime-node's public `InferenceSession.run` returns a
 * promise (it defers the native call with setImmediate). The native binding underneath runs
 * synchronously, so kernels call it directly. That binding is not a public API: it is reached
 * through the installed package's `dist/binding` module, checked for the methods used here, and
 * any mismatch (another onnxruntime-node major, a missing native build) makes `ortAvailability`
 * report why, so callers fall back to their own code instead of failing.
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { mallocTuning } from '../../run/malloc-tuning.js';

const require = createRequire(import.meta.url);

/** One float32 input: the values (an ordinary, non-shared buffer) and the shape. */
export interface OrtFeed {
  data: Float32Array;
  dims: readonly number[];
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, { data: unknown }>;
  dispose(): void;
}

interface OrtModules {
  Session: new () => NativeSession;
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

let loaded: { ok: true; modules: OrtModules } | { ok: false; reason: string } | undefined;

function load(): typeof loaded & object {
  if (loaded) return loaded;
  try {
    const { binding, initOrt } = require('onnxruntime-node/dist/binding') as {
      binding?: { InferenceSession?: new () => NativeSession };
      initOrt?: () => void;
    };
    const { Tensor } = require('onnxruntime-node') as { Tensor?: OrtModules['Tensor'] };
    const Session = binding?.InferenceSession;
    if (typeof Session !== 'function' || typeof initOrt !== 'function' || typeof Tensor !== 'function') {
      loaded = { ok: false, reason: 'onnxruntime-node has no synchronous native binding at dist/binding (unsupported version)' };
      return loaded;
    }
    const proto = Session.prototype as Partial<NativeSession>;
    if (typeof proto.loadModel !== 'function' || typeof proto.run !== 'function') {
      loaded = { ok: false, reason: 'onnxruntime-node native InferenceSession lacks loadModel/run (unsupported version)' };
      return loaded;
    }
    initOrt();
    loaded = { ok: true, modules: { Session, Tensor } };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    loaded = { ok: false, reason: `onnxruntime-node cannot load (${msg})` };
  }
  return loaded;
}

/** Whether synchronous ONNX Runtime sessions can be created here, and why not. */
export function ortAvailability(): { ok: true } | { ok: false; reason: string } {
  const l = load();
  return l.ok ? { ok: true } : { ok: false, reason: l.reason };
}

export interface OrtSyncSessionOptions {
  /** Intra-op threads (default: the logical CPUs). */
  threads?: number;
  /**
   * Keep a memory arena per session. Default: only when glibc's malloc is not tuned
   * (run/malloc-tuning.ts) — see the constructor.
   */
  arena?: boolean;
}

/** A loaded model whose `run` blocks until the outputs are ready. */
export class OrtSyncSession {
  private readonly session: NativeSession;
  private readonly Tensor: OrtModules['Tensor'];

  constructor(model: Uint8Array, opts: OrtSyncSessionOptions = {}) {
    const l = load();
    if (!l.ok) throw new Error(l.reason);
    this.Tensor = l.modules.Tensor;
    this.session = new l.modules.Session();
    const arena = opts.arena ?? !mallocTuning().tuned;
    this.session.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      intraOpNumThreads: opts.threads ?? os.availableParallelism(),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // With glibc's default malloc, a run without an arena maps fresh pages for its
      // intermediates and pays the page faults (ResNet-18 batch 128: 12.4 s a step against 10.2 s),
      // so sessions keep arenas, each holding its own peak. With the malloc tuning, freed blocks
      // stay mapped and every session reuses the same pages: the arenas only multiplied memory
      // (ResNet-18 batch 128, one session per layer shape and kind: RSS 8.1 → 3.3 GB, first step
      // 44 → 23 s, later steps 2.9–3.4 → 2.5–2.7 s).
      enableCpuMemArena: arena,
      enableMemPattern: arena,
      // Spinning workers would steal the cores from XNNPACK's pool between calls.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  }

  /** Frees the native session and its memory arena; the session is unusable afterwards. */
  dispose(): void {
    this.session.dispose();
  }

  /**
   * Runs the model. Outputs named in `into` are written straight into the given arrays (which must
   * have the output's exact size); the others are returned as new arrays.
   */
  run(
    feeds: Record<string, OrtFeed>,
    outputs: readonly string[],
    into: Record<string, OrtFeed> = {},
  ): Record<string, Float32Array> {
    const native: Record<string, unknown> = {};
    for (const [name, feed] of Object.entries(feeds)) native[name] = new this.Tensor('float32', feed.data, feed.dims);
    const fetches: Record<string, unknown> = {};
    for (const name of outputs) {
      const target = into[name];
      fetches[name] = target === undefined ? null : new this.Tensor('float32', target.data, target.dims);
    }
    const result = this.session.run(native, fetches as Record<string, null>, {});
    const out: Record<string, Float32Array> = {};
    for (const name of outputs) {
      const target = into[name];
      if (target !== undefined) {
        out[name] = target.data;
        continue;
      }
      const data = result[name]?.data;
      if (!(data instanceof Float32Array)) throw new Error(`onnxruntime: output '${name}' missing or not float32`);
      out[name] = data;
    }
    return out;
  }
}
