import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import {
  disableKernelProfile,
  enableKernelProfile,
  explainWasmAbort,
  initBackend,
  kernelProfile,
  kernelProfileDetails,
  ortConvChoices,
  resetKernelProfile,
  type BackendChoice,
} from '@twindb/core-tensors/backend';
import { Rng } from '@twindb/core-tensors';
import { type Backbone, Linear, ResNet18Cifar, Sgd, SmallCnn } from '@twindb/core-tensors/nn';
import { ContrastiveModel, gradCacheStep, simclrStep, type ViewBatch } from '@twindb/pretext';
import { findPeerPython, withoutMallocTuning } from '../peer-python.js';
import type { Bench, BenchContext, BenchResult } from '../bench.js';
import { machineInfo } from '../machine.js';

const PEER_SCRIPT = fileURLToPath(new URL('../../peers/train_step.py', import.meta.url));
const TORCH_INSTALL_HINT = 'apt-get install -y python3-torch (Debian; installs torch for /usr/bin/python3)';
const LR = 0.01;
const MOMENTUM = 0.9;
const CLASSES = 10;

type ModelName = 'resnet18' | 'small-cnn';
/** `supervised`: backbone → linear(10) → cross-entropy. `simclr`: two views per image → MLP head → L2 → SimCLR loss (τ 0.1). */
type Task = 'supervised' | 'simclr';
const TEMPERATURE = 0.1;
/**
 * `--chunk` default for simclr: 256 views per chunk once a batch has more (the largest ResNet-18 CIFAR
 * single pass measured within wasm's 4 GB heap: 3.03 GB), so that `--batch 512` runs as the paper's batch.
 */
const AUTO_CHUNK_VIEWS = 256;

interface Options {
  model: ModelName;
  task: Task;
  batch: number;
  /** simclr: views per gradient-caching chunk; 0 = all 2·batch views in one pass. */
  chunk: number;
  steps: number;
  warmup: number;
  backend: BackendChoice;
  profile: boolean;
  peer: boolean;
  peerThreads: number;
  /** Also time the peer without the malloc settings the bench runs with (how PyTorch runs by default). */
  peerDefaultMalloc: boolean;
}

const USAGE =
  'train-step options: --model resnet18|small-cnn (resnet18) --task supervised|simclr (supervised; simclr runs 2 views per image) --batch N (128) ' +
  `--chunk N (simclr: views per gradient-caching chunk, 0 = one pass; default ${AUTO_CHUNK_VIEWS} when 2·batch exceeds it, else 0) ` +
  '--steps N (5) --warmup N (1) ' +
  '--backend auto|wasm|cpu|tensorflow|tensorflow-gpu (auto) --profile --no-peer --peer-threads N (cores) --peer-default-malloc';

/** Parses the bench's own arguments; an unknown flag or a bad value is an error naming both. */
export function parseTrainStepArgs(args: string[], cores: number): Options {
  const opts: Options = { model: 'resnet18', task: 'supervised', batch: 128, chunk: -1, steps: 5, warmup: 1, backend: 'auto', profile: false, peer: true, peerThreads: cores, peerDefaultMalloc: false };
  const positive = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`train-step: ${flag} expects an integer ≥ ${min}, got "${v ?? ''}"\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    switch (flag) {
      case '--model':
        if (value !== 'resnet18' && value !== 'small-cnn') throw new Error(`train-step: --model expects resnet18 or small-cnn, got "${value ?? ''}"\n${USAGE}`);
        opts.model = value;
        i++;
        break;
      case '--task':
        if (value !== 'supervised' && value !== 'simclr') throw new Error(`train-step: --task expects supervised or simclr, got "${value ?? ''}"\n${USAGE}`);
        opts.task = value;
        i++;
        break;
      case '--batch':
        opts.batch = positive(flag, value, 2);
        i++;
        break;
      case '--chunk':
        opts.chunk = positive(flag, value, 0);
        i++;
        break;
      case '--steps':
        opts.steps = positive(flag, value, 1);
        i++;
        break;
      case '--warmup':
        opts.warmup = positive(flag, value, 0);
        i++;
        break;
      case '--peer-threads':
        opts.peerThreads = positive(flag, value, 1);
        i++;
        break;
      case '--backend': {
        const choices: BackendChoice[] = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'];
        if (!choices.includes(value as BackendChoice)) throw new Error(`train-step: --backend expects one of ${choices.join(', ')}, got "${value ?? ''}"`);
        opts.backend = value as BackendChoice;
        i++;
        break;
      }
      case '--profile':
        opts.profile = true;
        break;
      case '--no-peer':
        opts.peer = false;
        break;
      case '--peer-default-malloc':
        opts.peerDefaultMalloc = true;
        break;
      default:
        throw new Error(`train-step: unknown option "${flag}"\n${USAGE}`);
    }
  }
  if (opts.chunk === -1) opts.chunk = opts.task === 'simclr' && 2 * opts.batch > AUTO_CHUNK_VIEWS ? AUTO_CHUNK_VIEWS : 0;
  if (opts.chunk > 0) {
    if (opts.task !== 'simclr') throw new Error(`train-step: --chunk applies to --task simclr only\n${USAGE}`);
    if (opts.chunk % 2 !== 0 || (2 * opts.batch) % opts.chunk !== 0) {
      throw new Error(`train-step: --chunk expects an even number of views dividing 2·batch = ${2 * opts.batch}, got ${opts.chunk}\n${USAGE}`);
    }
  }
  return opts;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number) => Math.round(x * 10) / 10;

interface TwindbRun {
  medianStepMs: number;
  medianCpuMs: number;
  stepMs: number[];
  losses: number[];
  backboneParams: number;
  /** Peak wasm heap (wasm backend only): the wasm memory's byteLength after the steps (it never shrinks). */
  wasmHeapMiB?: number;
  /** Process resident set size after the steps, and its peak over the process's life (ORT arenas included). */
  rssMiB: number;
  peakRssMiB: number;
  /** The ort engine's graph form per conv layer and kind, with both forms' first timings. */
  convChoices?: ReturnType<typeof ortConvChoices>;
  /** --profile: one step's exclusive CPU time per kernel (or ORT/XNNPACK scope inside one); share of the step's CPU. */
  kernels?: Array<{ kernel: string; calls: number; cpuMs: number; wallMs: number; share: number }>;
  /** --profile: the convolution layers (kind, runner, shape) that took most CPU in that step. */
  kernelLayers?: Array<{ layer: string; calls: number; cpuMs: number; wallMs: number; share: number }>;
  /** --profile: the profiled step's CPU and wall time, and the 1/5/15-minute load averages just after it (CPU times grow on a loaded machine). */
  profileStep?: { cpuMs: number; wallMs: number; loadAvg: number[] };
}

/**
 * Times forward + backward + SGD-momentum update of backbone → linear(10) → softmax cross-entropy,
 * or, for `--task simclr`, pretext's own step on a ContrastiveModel (backbone → MLP head (d → d →
 * features) → L2 → SimCLR loss): both views (2·batch images) in one pass as the reference, or by
 * gradient caching in chunks of `--chunk` views.
 */
async function runTwindb(opts: Options, log: (m: string) => void): Promise<TwindbRun> {
  const rng = new Rng('train-step');
  const [h, w, c] = opts.model === 'resnet18' ? [32, 32, 3] : [28, 28, 1];
  const backbone: Backbone = opts.model === 'resnet18' ? new ResNet18Cifar({ rng }) : new SmallCnn({ rng });
  const simclr = opts.task === 'simclr';
  const d = backbone.featureDim;
  const sgd = new Sgd({ lr: LR, momentum: MOMENTUM });
  const pixels = h * w * c;
  const normal = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

  let step: () => number;
  let model: ContrastiveModel | undefined;
  let supervised: { head: Linear; x: tf.Tensor4D; y: tf.Tensor } | undefined;
  if (simclr) {
    const m = new ContrastiveModel(backbone, { head: 'mlp', featuresDim: opts.model === 'resnet18' ? 128 : 64, rng });
    model = m;
    const views: ViewBatch = { image: normal(opts.batch * pixels), augmented: normal(opts.batch * pixels), shape: [opts.batch, h, w, c] };
    step = (): number => {
      const lossValue = opts.chunk > 0 ? gradCacheStep(m, sgd, views, TEMPERATURE, opts.chunk) : simclrStep(m, sgd, views, TEMPERATURE);
      // the update is complete once the last variable's data can be read
      m.parameters().at(-1)?.dataSync();
      return lossValue;
    };
  } else {
    const head = new Linear(d, CLASSES, rng);
    const vars = [...backbone.parameters(), ...head.parameters()];
    const x = tf.tensor4d(normal(opts.batch * pixels), [opts.batch, h, w, c]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: opts.batch }, () => rng.int(CLASSES)), 'int32'), CLASSES));
    supervised = { head, x, y };
    const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(y, head.apply(backbone.apply(x, { training: true }))) as tf.Scalar;
    step = (): number => {
      const { value, grads } = tf.variableGrads(loss, vars);
      sgd.step(vars, grads);
      const lossValue = value.dataSync()[0];
      // the update is complete once the last variable's data can be read
      vars[vars.length - 1].dataSync();
      tf.dispose([value, ...Object.values(grads)]);
      return lossValue;
    };
  }

  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < opts.warmup + opts.steps; i++) {
    const cpu0 = process.cpuUsage();
    const faults0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    try {
      losses.push(step());
    } catch (err) {
      throw explainWasmAbort(err, `train-step ${opts.model} ${opts.task} at batch ${opts.batch}`);
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const heap = (tf.backend() as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
    const memory = `${heap === undefined ? '' : `heap ${Math.round(heap / 2 ** 20)} MiB, `}RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`;
    // Page faults and system time: first-touch faults cost ~130 ms per 32 MB on the project's VM.
    const faults = `${process.resourceUsage().minorPageFault - faults0} page faults, sys ${(cpu.system / 1000).toFixed(0)} ms`;
    log(`  twindb ${i < opts.warmup ? 'warm-up' : 'step'} ${i + 1}: ${ms.toFixed(0)} ms, loss ${losses[i].toFixed(4)}, ${memory}, ${faults}`);
    if (i >= opts.warmup) {
      stepMs.push(ms);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }

  let kernels: TwindbRun['kernels'];
  let kernelLayers: TwindbRun['kernelLayers'];
  let profileStep: TwindbRun['profileStep'];
  if (opts.profile) {
    // One extra step with every kernel timed in CPU time (all threads, ORT's pool included):
    // wall time per kernel on a loaded machine measures the other jobs. Rows are exclusive, so
    // they add up; what no kernel accounts for is tfjs's engine, tape and gradient functions.
    enableKernelProfile();
    resetKernelProfile();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    step();
    const stepWallMs = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    disableKernelProfile();
    const stepCpuMs = (cpu.user + cpu.system) / 1000;
    const rows = kernelProfile();
    const inKernels = rows.reduce((s, r) => s + r.cpuMs, 0);
    const inKernelsWall = rows.reduce((s, r) => s + r.wallMs, 0);
    const share = (ms: number) => Math.round((ms / stepCpuMs) * 1000) / 1000;
    kernels = [...rows, { kernel: '(outside kernels)', calls: 0, cpuMs: stepCpuMs - inKernels, wallMs: stepWallMs - inKernelsWall }].map((r) => ({
      kernel: r.kernel,
      calls: r.calls,
      cpuMs: round(r.cpuMs),
      wallMs: round(r.wallMs),
      share: share(r.cpuMs),
    }));
    kernelLayers = kernelProfileDetails()
      .slice(0, 20)
      .map((r) => ({ layer: r.kernel, calls: r.calls, cpuMs: round(r.cpuMs), wallMs: round(r.wallMs), share: share(r.cpuMs) }));
    profileStep = { cpuMs: round(stepCpuMs), wallMs: round(stepWallMs), loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100) };
    log(`  kernel profile of one step (CPU ${stepCpuMs.toFixed(0)} ms, wall ${stepWallMs.toFixed(0)} ms, load ${profileStep.loadAvg.join(' ')}):`);
    // cores = CPU ÷ wall: where it stays near 1 the second core idles (on a quiet machine).
    const cores = (r: { cpuMs: number; wallMs: number }) => (r.wallMs > 0 ? (r.cpuMs / r.wallMs).toFixed(2) : '');
    log(`    ${'kernel'.padEnd(40)} ${'calls'.padStart(6)} ${'cpu ms'.padStart(9)} ${'wall ms'.padStart(9)} ${'cores'.padStart(5)} ${'share'.padStart(6)}`);
    for (const k of kernels) log(`    ${k.kernel.padEnd(40)} ${String(k.calls).padStart(6)} ${k.cpuMs.toFixed(1).padStart(9)} ${k.wallMs.toFixed(1).padStart(9)} ${cores(k).padStart(5)} ${(k.share * 100).toFixed(1).padStart(5)}%`);
    log(`    layers (most CPU first):`);
    for (const l of kernelLayers) log(`    ${l.layer.slice(0, 70).padEnd(70)} ${String(l.calls).padStart(4)} ${l.cpuMs.toFixed(1).padStart(8)} ${l.wallMs.toFixed(1).padStart(8)} ${cores(l).padStart(5)}`);
  }

  const backboneParams = backbone.numParameters();
  // wasm memory only grows, so its size after the steps is the step's peak heap.
  const wasmHeap = (tf.backend() as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  const wasmHeapMiB = wasmHeap === undefined ? undefined : Math.round(wasmHeap / 2 ** 20);
  const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
  sgd.dispose();
  if (supervised) {
    tf.dispose([supervised.x, supervised.y]);
    supervised.head.dispose();
  }
  // the contrastive model owns the backbone
  if (model) model.dispose();
  else backbone.dispose();
  const convChoices = ortConvChoices();
  return {
    medianStepMs: round(median(stepMs)),
    medianCpuMs: round(median(cpuMs)),
    stepMs: stepMs.map(round),
    losses,
    backboneParams,
    wasmHeapMiB,
    rssMiB,
    peakRssMiB,
    ...(kernels ? { kernels, kernelLayers, profileStep } : {}),
    ...(convChoices.length > 0 ? { convChoices } : {}),
  };
}


interface TorchRun {
  python: string;
  torch: string;
  threads: number;
  backboneParams: number;
  medianStepMs: number;
  medianCpuMs: number;
  stepMs: number[];
  losses: number[];
  peakRssMiB: number;
}

async function runTorch(opts: Options, python: string, env: NodeJS.ProcessEnv = process.env): Promise<TorchRun> {
  const args = [PEER_SCRIPT, '--model', opts.model, '--task', opts.task, '--batch', String(opts.batch), '--chunk', String(opts.chunk), '--steps', String(opts.steps), '--warmup', String(opts.warmup), '--threads', String(opts.peerThreads)];
  const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 16 * 2 ** 20, env });
  const lines = stdout.trim().split('\n');
  const r = JSON.parse(lines[lines.length - 1]) as Omit<TorchRun, 'python'>;
  return { python, ...r, medianStepMs: round(r.medianStepMs), medianCpuMs: round(r.medianCpuMs), stepMs: r.stepMs.map(round) };
}

export const trainStep: Bench = {
  name: 'train-step',
  description: 'ResNet-18 CIFAR / small CNN training step (supervised or SimCLR, fwd+bwd+SGD momentum) vs PyTorch on the same cores',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const machine = machineInfo();
    const opts = parseTrainStepArgs(ctx.args, machine.cores as number);
    const backend = await initBackend({ backend: opts.backend, log: (m) => ctx.log(m) });
    const wasmThreads = backend.name === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : undefined;
    ctx.log(
      `train-step: ${opts.model} ${opts.task}, batch ${opts.batch}${opts.task === 'simclr' ? ` (${2 * opts.batch} views${opts.chunk > 0 ? `, gradient caching in chunks of ${opts.chunk}` : ''})` : ''}, ${opts.warmup} warm-up + ${opts.steps} timed steps, backend ${backend.name}` +
        (wasmThreads !== undefined ? ` (${wasmThreads} thread${wasmThreads === 1 ? '' : 's'})` : ''),
    );
    // The peer runs first: twindb's process keeps its wasm heap and ORT arenas (~12 GB RSS for ResNet-18 at
    // 256-view chunks) until it exits, and the two side by side were killed for memory on a 24 GB machine.
    let torch: TorchRun | null = null;
    let torchDefaultMalloc: TorchRun | undefined;
    let peerNote: string | undefined;
    if (opts.peer) {
      const { python, tried } = findPeerPython(['torch']);
      if (python) {
        ctx.log(`torch peer: ${python} ${PEER_SCRIPT} (${opts.peerThreads} threads)`);
        torch = await runTorch(opts, python);
        ctx.log(`  torch median step ${torch.medianStepMs} ms over ${torch.stepMs.length} steps`);
        if (opts.peerDefaultMalloc) {
          torchDefaultMalloc = await runTorch(opts, python, withoutMallocTuning(process.env));
          ctx.log(`  torch without the malloc settings: median step ${torchDefaultMalloc.medianStepMs} ms`);
        }
      } else {
        peerNote = `no Python with PyTorch found (tried ${tried.join(', ')}); install it with: ${TORCH_INSTALL_HINT}, or set TWINDB_PYTHON`;
        ctx.log(`torch peer skipped: ${peerNote}`);
      }
    } else {
      peerNote = 'peer disabled (--no-peer)';
    }
    const twindb = await runTwindb(opts, ctx.log);

    const ratio = torch ? Math.round((twindb.medianStepMs / torch.medianStepMs) * 100) / 100 : null;
    return {
      bench: 'train-step',
      ratio,
      model: opts.model,
      task: opts.task,
      batch: opts.batch,
      ...(opts.task === 'simclr' ? { views: 2 * opts.batch, chunk: opts.chunk } : {}),
      steps: opts.steps,
      warmup: opts.warmup,
      backend: { name: backend.name, registeredKernels: backend.registeredKernels, ...(wasmThreads !== undefined ? { threads: wasmThreads } : {}) },
      twindb,
      torch,
      ...(peerNote ? { peerNote } : {}),
      ...(torch ? { cpuRatio: Math.round((twindb.medianCpuMs / torch.medianCpuMs) * 100) / 100 } : {}),
      // The peer as PyTorch runs by default, next to the strict ratio above (same malloc settings).
      ...(torchDefaultMalloc
        ? { torchDefaultMalloc, ratioPeerDefaultMalloc: Math.round((twindb.medianStepMs / torchDefaultMalloc.medianStepMs) * 100) / 100 }
        : {}),
      machine: { ...machine, backend: backend.name },
    };
  },
};
