import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendChoice,
  type BackendOptions,
  type ConvEngineChoice,
  type ConvMethodChoiceOption,
  parseBackendChoice,
  parseConvEngineChoice,
  parseConvMethodChoice,
} from './backend-options.js';
import { ortAvailability } from './ort/ort-sync-session.js';
import { mallocTuning, mallocTuningPrefix } from '../run/malloc-tuning.js';
import { enableKernelProfile, formatKernelProfile, profileRequestedByEnv } from './profile/kernel-profile.js';
import { ConvPlanFile } from './wasm/ort-conv/conv-plan.js';
import { type ConvEngine, setConvEngine, setConvPlan } from './wasm/ort-conv/ort-conv.js';
import './register-gradients.js';
import { registerWasmTrainingKernels } from './wasm/register-training-kernels.js';
import { configureWasmThreads } from './wasm/wasm-threads.js';

/** What {@link initBackend} chose, and why it passed over the faster candidates. */
export interface BackendInfo {
  /** The tfjs backend name now active: 'tensorflow' | 'wasm' | 'cpu'. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** The candidate that won, e.g. 'tensorflow-gpu' when tfjs-node-gpu loaded. */
  choice: Exclude<BackendChoice, 'auto'>;
  /** The npm package that provides it. */
  provider: string;
  /** One line per faster candidate that was skipped, with the reason. */
  skipped: string[];
  /** Whether the choice was forced by the user (flag or TWINDB_BACKEND). */
  forced: boolean;
  /** Extra kernels twindb registered on this backend (wasm training kernels). */
  registeredKernels: string[];
  /** wasm only: what runs the convolutions ('ort' = ONNX Runtime's native kernels). */
  convEngine?: ConvEngine;
  /** ort engine under the auto method: the conv plan file in use and its decisions for this machine when read. */
  convPlan?: { file: string; decisions: number };
}

type Candidate = Exclude<BackendChoice, 'auto'>;
const ORDER: Candidate[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const PROVIDERS: Record<Candidate, { pkg: string; install: string }> = {
  'tensorflow-gpu': {
    pkg: '@tensorflow/tfjs-node-gpu',
    install:
      'npm install @tensorflow/tfjs-node-gpu@4.22.0 (needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1; its install script downloads libtensorflow)',
  },
  tensorflow: {
    pkg: '@tensorflow/tfjs-node',
    install: 'npm install @tensorflow/tfjs-node@4.22.0 (its install script downloads libtensorflow)',
  },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', install: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0' },
  cpu: { pkg: '@tensorflow/tfjs-backend-cpu', install: 'npm install @tensorflow/tfjs-backend-cpu@4.22.0' },
};

let current: Promise<BackendInfo> | undefined;
let currentKey: string | undefined;

/**
 * Initialise TensorFlow.js on the fastest backend this machine has, or on the one the user forced
 * (`opts.backend`, else env `TWINDB_BACKEND`). Safe to call many times: the first call decides.
 * A forced backend that cannot load is an error naming the missing package and how to install it.
 */
export function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const env = process.env.TWINDB_BACKEND;
  const choice: BackendChoice =
    opts.backend ?? (env ? parseBackendChoice(env, 'TWINDB_BACKEND') : 'auto');
  const envEngine = process.env.TWINDB_CONV_ENGINE;
  const engine: ConvEngineChoice =
    opts.convEngine ?? (envEngine ? parseConvEngineChoice(envEngine, 'TWINDB_CONV_ENGINE') : 'auto');
  const envMethod = process.env.TWINDB_CONV_METHOD;
  const method = opts.convMethod ?? (envMethod ? parseConvMethodChoice(envMethod, 'TWINDB_CONV_METHOD') : 'auto');
  const planSetting = opts.convPlan ?? process.env.TWINDB_CONV_PLAN ?? '';
  const planFile = planSetting === '' || planSetting === 'off' ? undefined : path.resolve(planSetting);
  const key = `${choice}:${engine}:${method}:${planFile ?? ''}`;
  if (current && currentKey === key) return current;
  currentKey = key;
  current = selectBackend(choice, engine, method, planFile, opts.log ?? ((m) => process.stderr.write(`[twindb] ${m}\n`)));
  current.catch(() => {
    current = undefined;
    currentKey = undefined;
  });
  return current;
}

async function selectBackend(
  choice: BackendChoice,
  engine: ConvEngineChoice,
  method: ConvMethodChoiceOption,
  planFile: string | undefined,
  log: (msg: string) => void,
): Promise<BackendInfo> {
  const forced = choice !== 'auto';
  const candidates = forced ? [choice as Candidate] : ORDER;
  const skipped: string[] = [];
  for (const candidate of candidates) {
    // Decided before the wasm module loads: the ORT engine wants single-threaded wasm.
    const convEngine = candidate === 'wasm' ? planConvEngine(engine, log) : undefined;
    const outcome = await tryCandidate(candidate, log, convEngine);
    if (outcome.ok) {
      const registeredKernels = candidate === 'wasm' ? registerWasmTrainingKernels() : [];
      let plan: ConvPlanFile | undefined;
      if (convEngine) {
        setConvEngine(convEngine, { method });
        plan = convEngine === 'ort' && method === 'auto' && planFile ? new ConvPlanFile(planFile, { log }) : undefined;
        setConvPlan(plan);
        if (plan) log(`conv plan: ${plan.file} (${plan.size} layer decisions for this machine; new layers are timed and added)`);
      }
      // Last, so that every kernel registered by now (stock and twindb's) is timed; the table of
      // the whole run goes to stderr when the process ends.
      if (profileRequestedByEnv()) {
        enableKernelProfile();
        process.once('exit', () => process.stderr.write(`[twindb] kernel CPU time (TWINDB_PROFILE):\n${formatKernelProfile()}`));
      }
      const info: BackendInfo = {
        name: tf.getBackend() as BackendInfo['name'],
        choice: candidate,
        provider: PROVIDERS[candidate].pkg,
        skipped,
        forced,
        registeredKernels,
        ...(convEngine ? { convEngine } : {}),
        ...(plan ? { convPlan: { file: plan.file, decisions: plan.size } } : {}),
      };
      const why = skipped.length ? `; skipped: ${skipped.join('; ')}` : '';
      log(`backend ${info.name} (${candidate} via ${info.provider}${forced ? ', forced' : ''})${why}`);
      return info;
    }
    const reason = `${candidate}: ${outcome.reason}`;
    if (forced) {
      throw new Error(
        `backend "${candidate}" was requested but cannot load: ${outcome.reason}. Install it with: ${PROVIDERS[candidate].install}`,
      );
    }
    skipped.push(reason);
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${skipped.join('; ')}`);
}

/** wasm: ONNX Runtime's native convolutions when they load (or when forced), else XNNPACK. */
function planConvEngine(choice: ConvEngineChoice, log: (msg: string) => void): ConvEngine {
  if (choice === 'xnnpack') {
    log('wasm convolutions: xnnpack (forced)');
    return 'xnnpack';
  }
  const ort = ortAvailability();
  if (!ort.ok) {
    if (choice === 'ort') {
      throw new Error(`conv engine "ort" was requested but ${ort.reason}; install onnxruntime-node or use TWINDB_CONV_ENGINE=xnnpack`);
    }
    log(`wasm convolutions: xnnpack (ort skipped: ${ort.reason})`);
    return 'xnnpack';
  }
  // Without the malloc settings every ORT run page-faults its output in again (run/malloc-tuning.ts).
  const malloc = mallocTuning().tuned ? '' : `; for faster runs start Node with ${mallocTuningPrefix()} (npx twindb does)`;
  log(`wasm convolutions: ort (ONNX Runtime native kernels${choice === 'ort' ? ', forced' : ''})${malloc}`);
  return 'ort';
}

type Outcome = { ok: true } | { ok: false; reason: string };

async function tryCandidate(candidate: Candidate, log: (msg: string) => void, convEngine?: ConvEngine): Promise<Outcome> {
  const { pkg } = PROVIDERS[candidate];
  try {
    await import(pkg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node says ERR_MODULE_NOT_FOUND; bundlers and test runners (vite) word it differently.
    const missing =
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (module|package)|Could not resolve|Failed to load url|Is it installed/i.test(firstLine(err));
    return { ok: false, reason: missing ? `${pkg} is not installed` : `${pkg} failed to load (${firstLine(err)})` };
  }
  const tfName = candidate === 'tensorflow-gpu' || candidate === 'tensorflow' ? 'tensorflow' : candidate;
  if (!tf.findBackendFactory(tfName)) {
    return { ok: false, reason: `${pkg} loaded but registered no "${tfName}" backend (a second copy of @tensorflow/tfjs-core?)` };
  }
  try {
    // Before the first setBackend: XNNPACK's thread pool is fixed when the module instantiates.
    // With convolutions on ORT, XNNPACK's pool gains nothing (ResNet-18 batch 128: 10.5 s a step
    // on 1 thread, 11.6 s on 2) and its shared heap would force copies around every ORT call;
    // TWINDB_WASM_THREADS still overrides.
    if (candidate === 'wasm') {
      const threads = convEngine === 'ort' && !process.env.TWINDB_WASM_THREADS ? 1 : undefined;
      configureWasmThreads({ log, ...(threads ? { threads } : {}) });
    }
    const ok = await tf.setBackend(tfName);
    if (!ok) return { ok: false, reason: `${pkg} failed to initialise` };
    await tf.ready();
  } catch (err) {
    return { ok: false, reason: `${pkg} failed to initialise (${firstLine(err)})` };
  }
  return { ok: true };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}
