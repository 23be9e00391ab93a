/**
 * Convolutions of the wasm backend run by ONNX Runtime's native CPU kernels.
 *
 * XNNPACK in wasm has 128-bit SIMD without FMA; ONNX Runtime's MLAS uses the machine's AVX2/FMA
 * (or NEON) and blocks long reductions. Measured per call on a CIFAR ResNet-18 layer (batch 128,
 * 32×32×64, 3×3, 2 threads): forward 132 vs 333 ms, filter gradient 201 vs 608 ms, input
 * gradient 203 vs 280 ms. Tensors stay on the wasm heap; with single-threaded wasm (what
 * initBackend picks for this engine) ORT reads and writes them in place. What runs each layer shape
 * and kind is decided on its first call (runConv) and kept, with its form's sessions (a form: one
 * conv graph of conv-graphs.ts, or the two-session tap-views filter gradient).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { InputDataError } from '../../../errors/twindb-error.js';
import type { ConvMethodChoiceOption } from '../../backend-options.js';
import { ortAvailability, OrtSyncSession } from '../../ort/ort-sync-session.js';
import { profileScope } from '../../profile/kernel-profile.js';
import { runOrtOnHeap } from '../ort-heap-run.js';
import { CONV_GRAPH_IO, convGraph, convGraphMethods, type ConvGraphKind } from './conv-graphs.js';
import type { ConvPlanFile } from './conv-plan.js';
import { TapViewsFilterGrad, tapViewsBandOverhead, tapViewsFit } from './filter-grad-tap-views.js';
import { convMacs, geometryKey, type ConvGeometry } from './conv-geometry.js';

/** Which engine runs the wasm backend's convolutions. */
export type ConvEngine = 'ort' | 'xnnpack';

/**
 * Below this many multiply-adds a layer stays on XNNPACK: the session call costs more than the
 * arithmetic saved (tiny test shapes, the deepest 1×1 convs at small batch).
 */
const DEFAULT_MIN_MACS = 2 ** 22;

let engine: ConvEngine = 'xnnpack';
let minMacs = DEFAULT_MIN_MACS;
let methodChoice: ConvMethodChoice = 'auto';

/** How ORT computes one layer kind: a single graph (conv-graphs.ts) or the tap-views filter gradient. */
export type ConvMethod = Exclude<ConvMethodChoiceOption, 'auto'>;

/** What runs one layer kind: XNNPACK (the kernel's own wasm path) or an ORT form. */
export type ConvRunner = 'xnnpack' | ConvMethod;

/** One ORT form of one layer shape and kind, holding its sessions between calls. */
interface OrtConvForm {
  run(backend: BackendWasm, a: TensorInfo, b: TensorInfo, outShape: number[]): TensorInfo;
  dispose(): void;
}

/** How a layer's runner was chosen: timed on first use, read from the conv plan, or pinned by the method. */
export type ConvDecisionSource = 'timed' | 'plan' | 'pinned';

interface Decision {
  runner: ConvRunner;
  form?: OrtConvForm;
  source: ConvDecisionSource;
  /** Fastest timed run of each candidate on first use (ms), when there was a choice; a hopeless one's single run. */
  timings: Partial<Record<ConvRunner, number>>;
}
const decisions = new Map<string, Decision>();
let plan: ConvPlanFile | undefined;

/** Which form runs each layer on ORT: whichever is fastest on first use ('auto'), or one (the zod schema's names). */
export type ConvMethodChoice = ConvMethodChoiceOption;

export interface ConvEngineOptions {
  /** Smallest layer (forward multiply-adds) sent to ONNX Runtime; 0 sends every layer (tests). */
  minMacs?: number;
  /**
   * 'auto' times the ORT forms and XNNPACK on a layer's first call and keeps the fastest; a
   * named form sends every layer above `minMacs` to ORT in that form ('direct' where 'im2col'
   * cannot express the layer).
   */
  method?: ConvMethodChoice;
}

/**
 * Selects the convolution engine; 'ort' is refused (with the reason) when onnxruntime-node's
 * native binding cannot load.
 */
export function setConvEngine(next: ConvEngine, opts: ConvEngineOptions = {}): void {
  if (next === 'ort') {
    const ok = ortAvailability();
    if (!ok.ok) throw new Error(`conv engine 'ort' unavailable: ${ok.reason}`);
  }
  engine = next;
  minMacs = opts.minMacs ?? DEFAULT_MIN_MACS;
  const method = opts.method ?? 'auto';
  if (method !== methodChoice) {
    dropDecisions();
    methodChoice = method;
  }
}

/**
 * Under the `auto` method, reads each layer's runner from `next` when it has one and records the
 * ones it times there (conv-plan.ts), so that processes on this machine run the same forms and
 * round alike. `undefined` times every layer afresh. Drops the decisions made so far.
 */
export function setConvPlan(next: ConvPlanFile | undefined): void {
  dropDecisions();
  plan = next;
}

/** Forgets every layer's decision and frees its form's sessions. */
function dropDecisions(): void {
  for (const d of decisions.values()) d.form?.dispose();
  decisions.clear();
}

export function convEngine(): ConvEngine {
  return engine;
}

/** Layer shapes and kinds that run on ORT (each holds its form's sessions). */
export function ortConvSessionCount(): number {
  let n = 0;
  for (const d of decisions.values()) if (d.form) n++;
  return n;
}

/** Per layer shape and kind, what runs it, how that was chosen and, when candidates were timed, their times (ms). */
export function ortConvChoices(): Array<{ layer: string; runner: ConvRunner; source: ConvDecisionSource; timings: Partial<Record<ConvRunner, number>> }> {
  return [...decisions.entries()].map(([layer, { runner, source, timings }]) => ({ layer, runner, source, timings }));
}

/**
 * Timed runs per candidate after an untimed first one; the fastest counts. The first timed run of
 * a fresh session still pays one-time costs at times (243 against 69 ms on a 14×14 layer).
 */
const TIMED_RUNS = 2;

/**
 * A candidate whose untimed first run already takes this many times the best timed run so far is
 * not run again: it cannot win. XNNPACK (timed last) on the wide ResNet-18 layers took 250–500 ms
 * against 30–110 ms for ORT, and its three runs per layer were most of a 52 s first step. Generous,
 * because a fresh ORT session's first run can pay 3.5× (above).
 */
const HOPELESS_FIRST_RUN = 4;

/**
 * Runs one convolution `kind` of a layer: `a` and `b` are the ORT graph's inputs in CONV_GRAPH_IO
 * order and `xnnpack` computes the same result with the wasm backend's own kernels.
 *
 * Why tune: no fixed rule held across layers. Per call on 2 cores (ms): ORT's Conv beats XNNPACK on
 * wide 3×3 layers (16×16×128, batch 128: forward 90 vs 196, filter gradient 112 vs 386) but not on
 * the 3-channel stem (forward 85 vs 46); the im2col GEMM beats ORT's Conv on small maps
 * (7×7×64→128, batch 512: input gradient 65 vs 119) but not always on mid-sized ones (14×14×32→64:
 * 94 vs 71). So under 'auto' each candidate runs on the call's own operands on first use and the
 * fastest is kept for the layer; every run computes the same result, so only the extra runs cost.
 */
export function runConv(
  backend: BackendWasm,
  kind: ConvGraphKind,
  g: ConvGeometry,
  a: TensorInfo,
  b: TensorInfo,
  outShape: number[],
  xnnpack: () => TensorInfo,
): TensorInfo {
  if (engine !== 'ort' || convMacs(g) < minMacs) return xnnpack();
  const key = `${kind}:${geometryKey(g)}`;
  const known = decisions.get(key);
  if (known !== undefined) {
    const run = () => (known.form ? known.form.run(backend, a, b, outShape) : xnnpack());
    return profileScope(`conv ${kind} ${known.runner}`, run, layerLabel(g));
  }

  const forms = convMethods(kind, g);
  // Where the blocked NCHWc Conv applies it beat ORT's plain Conv on the ResNet-18 CIFAR layers
  // (batch 128, CPU ms direct → nchwc: forward 32×32×64 254 → 202, 8×8×256 275 → 125; input
  // gradient 32×32×64 212 → 155, 8×8×256→512 s2 231 → 99); the one exception, the 4×4×512 input
  // gradient (196 vs 225), went to the im2col GEMM (170). So 'auto' does not time plain Conv there.
  const withoutPlainConv = forms.includes('nchwc') ? forms.filter((f) => f !== 'direct') : forms;
  // tap-views pays for its zero bands in work and in memory traffic that first-use timing (warm
  // caches) does not show: at 16×16×128 it tied im2col when timed (60.1 vs 59.7 ms) but took 79
  // against 54 ms a call inside a step. So 'auto' offers it only where the bands add ≤ 10 %
  // (32×32: 6.6 %, where it wins in the step too: 102 against 142 ms for the next best).
  const tuned = withoutPlainConv.filter((f) => f !== 'tap-views' || tapViewsBandOverhead(g) <= 1.1);
  // A plan names any runner it likes (a file can be edited); only one that computes this layer runs.
  const computes = (runner: ConvRunner): ConvRunner => {
    if (runner === 'xnnpack' || forms.includes(runner)) return runner;
    throw new InputDataError(`conv plan ${plan!.file}: layer ${key} names '${runner}', which cannot compute it (it can: ${[...forms, 'xnnpack'].join(', ')}); delete the file to time the layers again`);
  };
  const inPlan = methodChoice === 'auto' ? plan?.get(key) : undefined;
  const planned = inPlan === undefined ? undefined : computes(inPlan);
  const candidates: ConvRunner[] =
    planned !== undefined ? [planned] : methodChoice === 'auto' ? [...tuned, 'xnnpack'] : [forms.includes(methodChoice) ? methodChoice : 'direct'];
  const timings: Partial<Record<ConvRunner, number>> = {};
  let best: { runner: ConvRunner; form?: OrtConvForm; ms: number } | undefined;
  let result: TensorInfo | undefined;
  let resultRunner: ConvRunner | undefined;
  for (const runner of candidates) {
    const form = runner === 'xnnpack' ? undefined : ortForm(kind, g, runner);
    const once = () => (form ? form.run(backend, a, b, outShape) : xnnpack());
    let ms = Infinity;
    for (let i = 0; i <= (candidates.length > 1 ? TIMED_RUNS : 0); i++) {
      const t0 = performance.now();
      const out = once();
      const took = performance.now() - t0;
      if (i > 0) ms = Math.min(ms, took);
      if (result !== undefined) backend.disposeData(result.dataId);
      result = out;
      resultRunner = runner;
      if (i === 0 && best !== undefined && took > HOPELESS_FIRST_RUN * best.ms) {
        ms = took;
        break;
      }
    }
    if (candidates.length > 1) timings[runner] = Math.round(ms * 10) / 10;
    if (best === undefined || ms < best.ms) {
      best?.form?.dispose();
      best = { runner, form, ms };
    } else {
      form?.dispose();
    }
  }
  const timed = candidates.length > 1;
  if (timed && plan) {
    // Another process may have recorded this layer since the plan was read: its decision holds.
    const held = computes(plan.record(key, best!.runner));
    if (held !== best!.runner) {
      best!.form?.dispose();
      best = { runner: held, form: held === 'xnnpack' ? undefined : ortForm(kind, g, held), ms: NaN };
    }
  }
  decisions.set(key, { runner: best!.runner, form: best!.form, source: planned !== undefined ? 'plan' : timed ? 'timed' : 'pinned', timings });
  if (resultRunner !== best!.runner) {
    // Every call, the first included, returns the kept runner's result: the forms agree only to
    // rounding, and a resumed run (which finds the decision made) must see the same numbers.
    backend.disposeData(result!.dataId);
    result = best!.form ? best!.form.run(backend, a, b, outShape) : xnnpack();
  }
  return result!;
}

/** A layer's shape for the profile: input HxWxCi → Co, kernel, stride, batch. */
function layerLabel(g: ConvGeometry): string {
  return `${g.h}x${g.w}x${g.ci}->${g.co} k${g.kh} s${g.sh} n${g.n}`;
}

/** The methods that can compute `kind` for `g`: the graph forms, and tap-views for stride-1 filter gradients. */
export function convMethods(kind: ConvGraphKind, g: ConvGeometry): ConvMethod[] {
  const graphs: ConvMethod[] = convGraphMethods(kind, g);
  return kind === 'filter-grad' && tapViewsFit(g) ? [...graphs, 'tap-views'] : graphs;
}

/** The ORT form `method` of one layer kind, its sessions created. */
function ortForm(kind: ConvGraphKind, g: ConvGeometry, method: ConvMethod): OrtConvForm {
  if (method === 'tap-views') {
    const tapViews = new TapViewsFilterGrad(g);
    return { run: (backend, x, dy) => tapViews.run(backend, x, dy), dispose: () => tapViews.dispose() };
  }
  const session = new OrtSyncSession(convGraph(kind, g, method));
  const io = CONV_GRAPH_IO[kind];
  return {
    run: (backend, a, b, outShape) =>
      runOrtOnHeap(backend, session, [{ name: io.inputs[0], tensor: a }, { name: io.inputs[1], tensor: b }], io.output, outShape),
    dispose: () => session.dispose(),
  };
}
