/**
 * Per-kernel CPU time of the active tfjs backend, for finding where a training step goes.
 *
 * Why CPU time and not tfjs's `tf.profile`: tf.profile reports wall time per kernel, which on a
 * shared machine measures the other jobs as much as ours; process CPU time (user + system, every
 * thread of the process: ONNX Runtime's pool included) does not grow while we wait for a core.
 *
 * Every kernel registered for the backend is wrapped in place (the registry keeps the same config
 * objects, so registerWasmTrainingKernels still sees its own). Kernels call kernels (ours call the
 * stock ones through the registry) and regions inside a kernel are timed too ({@link profileScope}:
 * an ORT session run, an XNNPACK fallback), so times are *exclusive*: a frame's children are
 * subtracted from it, and the rows add up to the profiled time with nothing counted twice.
 * Off (the default), a scope is one boolean test.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One row of the table: a kernel name or a scope inside one, with its exclusive time. */
export interface KernelProfileRow {
  kernel: string;
  calls: number;
  /** Process CPU time (all threads) inside this kernel or scope, minus its children's. */
  cpuMs: number;
  /** Wall time likewise. */
  wallMs: number;
}

interface Frame {
  name: string;
  detail?: string;
  cpu0: number;
  wall0: number;
  childCpu: number;
  childWall: number;
}

let enabled = false;
const stack: Frame[] = [];
const rows = new Map<string, KernelProfileRow>();
const details = new Map<string, KernelProfileRow>();
const wrapped = new WeakSet<tf.KernelConfig>();

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function add(map: Map<string, KernelProfileRow>, key: string, cpuUs: number, wallMs: number): void {
  const r = map.get(key) ?? { kernel: key, calls: 0, cpuMs: 0, wallMs: 0 };
  r.calls++;
  r.cpuMs += cpuUs / 1000;
  r.wallMs += wallMs;
  map.set(key, r);
}

/**
 * Runs `fn` as a profiled frame named `name` when profiling is on (else just runs it). `detail`
 * (e.g. a layer's shape) also files the frame's exclusive time under `name detail` in
 * {@link kernelProfileDetails}.
 */
export function profileScope<T>(name: string, fn: () => T, detail?: string): T {
  if (!enabled) return fn();
  const frame: Frame = { name, detail, cpu0: cpuMicros(), wall0: performance.now(), childCpu: 0, childWall: 0 };
  stack.push(frame);
  try {
    return fn();
  } finally {
    const cpu = cpuMicros() - frame.cpu0;
    const wall = performance.now() - frame.wall0;
    stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.childCpu += cpu;
      parent.childWall += wall;
    }
    add(rows, name, cpu - frame.childCpu, wall - frame.childWall);
    if (detail !== undefined) add(details, `${name} ${detail}`, cpu - frame.childCpu, wall - frame.childWall);
  }
}

/**
 * Wraps every kernel registered for `backendName` (default: the active backend) so each call is a
 * profiled frame, and starts recording. Kernels registered later are not wrapped; call it after
 * the backend and twindb's kernels are set up (initBackend does, under TWINDB_PROFILE=1).
 */
export function enableKernelProfile(backendName: string = tf.getBackend()): void {
  for (const config of tf.getKernelsForBackend(backendName)) {
    if (wrapped.has(config)) continue;
    const inner = config.kernelFunc;
    const name = config.kernelName;
    // In place: tfjs looks kernels up by name on every call, and ours compare config identity.
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => profileScope(name, () => inner(args));
    wrapped.add(config);
  }
  enabled = true;
}

/** Stops recording (the wrappers stay, each costing one boolean test per call). */
export function disableKernelProfile(): void {
  enabled = false;
}

export function kernelProfileEnabled(): boolean {
  return enabled;
}

/** Clears the recorded times. */
export function resetKernelProfile(): void {
  rows.clear();
  details.clear();
}

/** The recorded rows, largest CPU time first. */
export function kernelProfile(): KernelProfileRow[] {
  return [...rows.values()].sort((a, b) => b.cpuMs - a.cpuMs);
}

/** The frames recorded with a detail (per layer shape), largest CPU time first. */
export function kernelProfileDetails(): KernelProfileRow[] {
  return [...details.values()].sort((a, b) => b.cpuMs - a.cpuMs);
}

/** The recorded rows as a text table (kernel, calls, CPU ms, share of the profiled CPU time). */
export function formatKernelProfile(rowsToShow: KernelProfileRow[] = kernelProfile()): string {
  const total = rowsToShow.reduce((s, r) => s + r.cpuMs, 0);
  const lines = [`${'kernel'.padEnd(40)} ${'calls'.padStart(7)} ${'cpu ms'.padStart(10)} ${'share'.padStart(6)}`];
  for (const r of rowsToShow) {
    const share = total > 0 ? ((r.cpuMs / total) * 100).toFixed(1) : '0.0';
    lines.push(`${r.kernel.padEnd(40)} ${String(r.calls).padStart(7)} ${r.cpuMs.toFixed(1).padStart(10)} ${share.padStart(5)}%`);
  }
  return `${lines.join('\n')}\n`;
}

/** Whether TWINDB_PROFILE asks for the kernel profile ('1', 'true', 'yes'). */
export function profileRequestedByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test(env.TWINDB_PROFILE ?? '');
}
