import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { explainWasmAbort, initBackend, ortConvChoices, type BackendChoice } from '@twindb/core-tensors/backend';
import { Rng } from '@twindb/core-tensors';
import { type Backbone, Linear, ResNet18Cifar, Sgd, SmallCnn } from '@twindb/core-tensors/nn';
import { simclrLoss } from '@twindb/pretext';
import { findPeerPython } from '../peer-python.js';
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

interface Options {
  model: ModelName;
  task: Task;
  batch: number;
  steps: number;
  warmup: number;
  backend: BackendChoice;
  profile: boolean;
  peer: boolean;
  peerThreads: number;
}

const USAGE =
  'train-step options: --model resnet18|small-cnn (resnet18) --task supervised|simclr (supervised; simclr runs 2 views per image) --batch N (128) --steps N (5) --warmup N (1) ' +
  '--backend auto|wasm|cpu|tensorflow|tensorflow-gpu (auto) --profile --no-peer --peer-threads N (cores)';

/** Parses the bench's own arguments; an unknown flag or a bad value is an error naming both. */
export function parseTrainStepArgs(args: string[], cores: number): Options {
  const opts: Options = { model: 'resnet18', task: 'supervised', batch: 128, steps: 5, warmup: 1, backend: 'auto', profile: false, peer: true, peerThreads: cores };
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
      default:
        throw new Error(`train-step: unknown option "${flag}"\n${USAGE}`);
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
  /** Peak wasm heap (wasm backend only). */
  wasmHeapMiB?: number;
  /** The ort engine's graph form per conv layer and kind, with both forms' first timings. */
  convChoices?: ReturnType<typeof ortConvChoices>;
  profileTop?: Array<{ kernel: string; ms: number; share: number; calls: number }>;
}

/**
 * Times forward + backward + SGD-momentum update of backbone → linear(10) → softmax cross-entropy,
 * or, for `--task simclr`, of both views (2·batch images in one forward, as the reference) →
 * MLP head (d → d → features) → L2 → SimCLR loss.
 */
async function runTwindb(opts: Options, log: (m: string) => void): Promise<TwindbRun> {
  const rng = new Rng('train-step');
  const [h, w, c] = opts.model === 'resnet18' ? [32, 32, 3] : [28, 28, 1];
  const backbone: Backbone = opts.model === 'resnet18' ? new ResNet18Cifar({ rng }) : new SmallCnn({ rng });
  const simclr = opts.task === 'simclr';
  const d = backbone.featureDim;
  const head = simclr ? new Linear(d, d, rng) : new Linear(d, CLASSES, rng);
  const proj = simclr ? new Linear(d, opts.model === 'resnet18' ? 128 : 64, rng) : null;
  const vars = [...backbone.parameters(), ...head.parameters(), ...(proj ? proj.parameters() : [])];
  const sgd = new Sgd({ lr: LR, momentum: MOMENTUM });
  const rows = simclr ? 2 * opts.batch : opts.batch;
  const x = tf.tensor4d(Float32Array.from({ length: rows * h * w * c }, () => rng.normal()), [rows, h, w, c]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: opts.batch }, () => rng.int(CLASSES)), 'int32'), CLASSES));

  const loss = (): tf.Scalar => {
    const f = backbone.apply(x, { training: true });
    if (!proj) return tf.losses.softmaxCrossEntropy(y, head.apply(f)) as tf.Scalar;
    const z = proj.apply(tf.relu(head.apply(f)));
    return simclrLoss(tf.div(z, tf.maximum(tf.norm(z, 2, 1, true), 1e-12)) as tf.Tensor2D, TEMPERATURE);
  };

  const step = (): number => {
    const { value, grads } = tf.variableGrads(loss, vars);
    sgd.step(vars, grads);
    const lossValue = value.dataSync()[0];
    // the update is complete once the last variable's data can be read
    vars[vars.length - 1].dataSync();
    tf.dispose([value, ...Object.values(grads)]);
    return lossValue;
  };

  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < opts.warmup + opts.steps; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    try {
      losses.push(step());
    } catch (err) {
      throw explainWasmAbort(err, `train-step ${opts.model} ${opts.task} at batch ${opts.batch}`);
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    log(`  twindb ${i < opts.warmup ? 'warm-up' : 'step'} ${i + 1}: ${ms.toFixed(0)} ms, loss ${losses[i].toFixed(4)}`);
    if (i >= opts.warmup) {
      stepMs.push(ms);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }

  let profileTop: TwindbRun['profileTop'];
  if (opts.profile) {
    const info = await tf.profile(() => {
      step();
    });
    const byKernel = new Map<string, { ms: number; calls: number }>();
    // A tf.customGrad forward (batch norm's) is profiled as one pseudo-kernel wrapping the real
    // kernels it calls, which are profiled too; keep registered kernels only, so no time counts twice.
    const backendName = tf.getBackend();
    for (const k of info.kernels) {
      if (!tf.getKernel(k.name, backendName)) continue;
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls++;
      byKernel.set(k.name, e);
    }
    const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
    const ranked = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
    profileTop = ranked
      .slice(0, 10)
      .map(([kernel, e]) => ({ kernel, ms: round(e.ms), share: Math.round((e.ms / total) * 1000) / 1000, calls: e.calls }));
    log(`  profile of one step (kernel time ${total.toFixed(0)} ms): ${ranked.map(([k, e]) => `${k} ${round(e.ms)} ms/${e.calls}`).join(', ')}`);
  }

  const backboneParams = backbone.numParameters();
  // wasm memory only grows, so its size after the steps is the step's peak heap.
  const wasmHeap = (tf.backend() as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  const wasmHeapMiB = wasmHeap === undefined ? undefined : Math.round(wasmHeap / 2 ** 20);
  tf.dispose([x, y]);
  sgd.dispose();
  head.dispose();
  proj?.dispose();
  backbone.dispose();
  const convChoices = ortConvChoices();
  return {
    medianStepMs: round(median(stepMs)),
    medianCpuMs: round(median(cpuMs)),
    stepMs: stepMs.map(round),
    losses,
    backboneParams,
    wasmHeapMiB,
    profileTop,
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
}

async function runTorch(opts: Options, python: string): Promise<TorchRun> {
  const args = [PEER_SCRIPT, '--model', opts.model, '--task', opts.task, '--batch', String(opts.batch), '--steps', String(opts.steps), '--warmup', String(opts.warmup), '--threads', String(opts.peerThreads)];
  const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 16 * 2 ** 20 });
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
      `train-step: ${opts.model} ${opts.task}, batch ${opts.batch}${opts.task === 'simclr' ? ` (${2 * opts.batch} views)` : ''}, ${opts.warmup} warm-up + ${opts.steps} timed steps, backend ${backend.name}` +
        (wasmThreads !== undefined ? ` (${wasmThreads} thread${wasmThreads === 1 ? '' : 's'})` : ''),
    );
    const twindb = await runTwindb(opts, ctx.log);

    let torch: TorchRun | null = null;
    let peerNote: string | undefined;
    if (opts.peer) {
      const { python, tried } = findPeerPython(['torch']);
      if (python) {
        ctx.log(`torch peer: ${python} ${PEER_SCRIPT} (${opts.peerThreads} threads)`);
        torch = await runTorch(opts, python);
        ctx.log(`  torch median step ${torch.medianStepMs} ms over ${torch.stepMs.length} steps`);
      } else {
        peerNote = `no Python with PyTorch found (tried ${tried.join(', ')}); install it with: ${TORCH_INSTALL_HINT}, or set TWINDB_PYTHON`;
        ctx.log(`torch peer skipped: ${peerNote}`);
      }
    } else {
      peerNote = 'peer disabled (--no-peer)';
    }

    const ratio = torch ? Math.round((twindb.medianStepMs / torch.medianStepMs) * 100) / 100 : null;
    return {
      bench: 'train-step',
      ratio,
      model: opts.model,
      task: opts.task,
      batch: opts.batch,
      steps: opts.steps,
      warmup: opts.warmup,
      backend: { name: backend.name, registeredKernels: backend.registeredKernels, ...(wasmThreads !== undefined ? { threads: wasmThreads } : {}) },
      twindb,
      torch,
      ...(peerNote ? { peerNote } : {}),
      ...(torch ? { cpuRatio: Math.round((twindb.medianCpuMs / torch.medianCpuMs) * 100) / 100 } : {}),
      machine: { ...machine, backend: backend.name },
    };
  },
};
