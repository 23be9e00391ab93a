import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendChoice } from '@twindb/core-tensors/backend';
import { Rng, topKCosine, topKCosineFast, type TopKCosineFastOptions } from '@twindb/core-tensors';
import { findPeerPython, peerEnv } from '../peer-python.js';
import type { Bench, BenchContext, BenchResult } from '../bench.js';
import { machineInfo } from '../machine.js';

const PEER_SCRIPT = fileURLToPath(new URL('../../peers/topk.py', import.meta.url));

interface Options {
  queries: number;
  pool: number;
  dim: number;
  k: number;
  /** Queries timed on the plain-JS path (its time is linear in the queries, so it is scaled up). */
  jsQueries: number;
  backend: BackendChoice;
  peer: boolean;
  peerThreads: number;
  peerEngine: 'auto' | 'faiss' | 'numpy';
  engine: NonNullable<TopKCosineFastOptions['engine']>;
}

const USAGE =
  'topk options: --queries N (5000) --pool N (200000) --dim N (128) --k N (20) --js-queries N (250; 0 = skip) ' +
  '--backend auto|wasm|cpu|tensorflow (auto) --engine auto|ort|tfjs|js (auto) --no-peer --peer-threads N (cores) ' +
  '--peer-engine auto|faiss|numpy (auto)';

/** Parses the bench's own arguments; an unknown flag or a bad value is an error naming both. */
export function parseTopkArgs(args: string[], cores: number): Options {
  const opts: Options = {
    queries: 5000,
    pool: 200_000,
    dim: 128,
    k: 20,
    jsQueries: 250,
    backend: 'auto',
    peer: true,
    peerThreads: cores,
    peerEngine: 'auto',
    engine: 'auto',
  };
  const integer = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`topk: ${flag} expects an integer ≥ ${min}, got "${v ?? ''}"\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    switch (flag) {
      case '--queries': opts.queries = integer(flag, value, 1); i++; break; // prettier-ignore
      case '--pool': opts.pool = integer(flag, value, 1); i++; break; // prettier-ignore
      case '--dim': opts.dim = integer(flag, value, 1); i++; break; // prettier-ignore
      case '--k': opts.k = integer(flag, value, 1); i++; break; // prettier-ignore
      case '--js-queries': opts.jsQueries = integer(flag, value, 0); i++; break; // prettier-ignore
      case '--peer-threads': opts.peerThreads = integer(flag, value, 1); i++; break; // prettier-ignore
      case '--no-peer': opts.peer = false; break; // prettier-ignore
      case '--backend':
        if (!['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'].includes(value ?? '')) {
          throw new Error(`topk: --backend expects auto|wasm|cpu|tensorflow|tensorflow-gpu, got "${value ?? ''}"\n${USAGE}`);
        }
        opts.backend = value as BackendChoice;
        i++;
        break;
      case '--engine':
        if (value !== 'auto' && value !== 'ort' && value !== 'tfjs' && value !== 'js') {
          throw new Error(`topk: --engine expects auto|ort|tfjs|js, got "${value ?? ''}"\n${USAGE}`);
        }
        opts.engine = value;
        i++;
        break;
      case '--peer-engine':
        if (value !== 'auto' && value !== 'faiss' && value !== 'numpy') {
          throw new Error(`topk: --peer-engine expects auto|faiss|numpy, got "${value ?? ''}"\n${USAGE}`);
        }
        opts.peerEngine = value;
        i++;
        break;
      default:
        throw new Error(`topk: unknown option "${flag}"\n${USAGE}`);
    }
  }
  return opts;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function timed<T>(f: () => T | Promise<T>): Promise<{ result: T; wallMs: number; cpuMs: number }> {
  const w0 = performance.now();
  const c0 = cpuMs();
  const result = await f();
  return { result, wallMs: Math.round(performance.now() - w0), cpuMs: Math.round(cpuMs() - c0) };
}

/** Fraction of each query's reference top-k that `got` also found (recall@k against exact search). */
function recallAtK(got: Int32Array, want: Int32Array, nq: number, k: number): number {
  let hit = 0;
  let total = 0;
  for (let q = 0; q < nq; q++) {
    const found = new Set(got.subarray(q * k, (q + 1) * k));
    for (let r = 0; r < k; r++) {
      const j = want[q * k + r];
      if (j < 0) continue;
      total++;
      if (found.has(j)) hit++;
    }
  }
  return total === 0 ? 1 : hit / total;
}


export const topk: Bench = {
  name: 'topk',
  description: 'exact cosine top-k (5,000 targets × 200,000 pool × 128, K = 20): topKCosineFast and topKCosine vs faiss IndexFlatIP / numpy',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const machine = machineInfo();
    const opts = parseTopkArgs(ctx.args, Number(machine.cores));
    const { queries: nq, pool: nc, dim, k } = opts;
    const backend = await initBackend({ backend: opts.backend, log: ctx.log });
    const loadBefore = os.loadavg()[0];
    ctx.log(`topk: ${nq} queries × ${nc} pool × ${dim} dims, k = ${k}; backend ${tf.getBackend()}; load ${loadBefore.toFixed(2)}`);

    const rng = new Rng('bench-topk');
    const Q = Float32Array.from({ length: nq * dim }, () => rng.normal());
    const C = Float32Array.from({ length: nc * dim }, () => rng.normal());

    const fast = await timed(() => topKCosineFast(Q, C, dim, k, { engine: opts.engine }));
    ctx.log(`topKCosineFast (engine ${opts.engine}): ${fast.wallMs} ms wall, ${fast.cpuMs} ms CPU`);

    let js: { queries: number; wallMs: number; cpuMs: number; scaledCpuMs: number; identical: boolean } | null = null;
    if (opts.jsQueries > 0) {
      const m = Math.min(nq, opts.jsQueries);
      const t = await timed(() => topKCosine(Q.subarray(0, m * dim), C, dim, k));
      const a = t.result;
      let identical = true;
      for (let i = 0; i < m * k && identical; i++) {
        identical = a.indices[i] === fast.result.indices[i] && a.distances[i] === fast.result.distances[i];
      }
      js = { queries: m, wallMs: t.wallMs, cpuMs: t.cpuMs, scaledCpuMs: Math.round((t.cpuMs * nq) / m), identical };
      ctx.log(`topKCosine (JS) on ${m} queries: ${t.cpuMs} ms CPU → ~${js.scaledCpuMs} ms CPU for ${nq}; identical to fast: ${identical}`);
    }

    let peer: Record<string, unknown> | null = null;
    let peerNote: string | undefined;
    const python = opts.peer ? findPeerPython(['numpy']).python : null;
    if (python) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'twindb-topk-'));
      try {
        const qf = path.join(dir, 'queries.f32');
        const cf = path.join(dir, 'pool.f32');
        const out = path.join(dir, 'indices.i32');
        await writeFile(qf, new Uint8Array(Q.buffer, Q.byteOffset, Q.byteLength));
        await writeFile(cf, new Uint8Array(C.buffer, C.byteOffset, C.byteLength));
        const args = [PEER_SCRIPT, '--queries', qf, '--pool', cf, '--dim', String(dim), '--k', String(k), '--out', out, '--threads', String(opts.peerThreads), '--engine', opts.peerEngine];
        const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 16 * 2 ** 20, env: peerEnv() });
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
        const buf = await readFile(out);
        const peerIdx = new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        peer = { python, ...r, recallVsExact: recallAtK(peerIdx, fast.result.indices, nq, k) };
        ctx.log(`peer ${String(r.engine)} (${opts.peerThreads} threads): ${String(r.wallMs)} ms wall, ${String(r.cpuMs)} ms CPU`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } else {
      peerNote = opts.peer
        ? 'no Python with numpy found (set TWINDB_PYTHON); faiss: apt-get install -y python3-faiss'
        : 'peer disabled (--no-peer)';
      ctx.log(`peer skipped: ${peerNote}`);
    }

    const peerWall = typeof peer?.wallMs === 'number' ? peer.wallMs : null;
    return {
      bench: 'topk',
      ratio: peerWall ? Math.round((fast.wallMs / peerWall) * 100) / 100 : null,
      machine: { ...machine, backend: backend.name, loadAvg1mBefore: loadBefore, loadAvg1mAfter: os.loadavg()[0] },
      shape: { queries: nq, pool: nc, dim, k },
      fast: { engine: opts.engine, wallMs: fast.wallMs, cpuMs: fast.cpuMs, gflops: Math.round((2 * nq * nc * dim) / fast.wallMs / 1e4) / 100 },
      js,
      peer,
      ...(peerNote ? { peerNote } : {}),
    };
  },
};
