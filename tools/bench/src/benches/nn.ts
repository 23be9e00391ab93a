import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Rng } from '@twindb/core-tensors';
import { chooseIndex, ExactSearch, HnswSearch, normalizeRows, type NeighborLists } from '@twindb/nn-sampler';
import type { Bench, BenchContext, BenchResult } from '../bench.js';
import { findPeerPython } from '../peer-python.js';

const PEER_SCRIPT = fileURLToPath(new URL('../../peers/nn_faiss.py', import.meta.url));
const USAGE = 'nn options: --pool N (200000) --targets N (5000) --dim N (128) --k N (20) --jobs N (2) --M N (16) --ef-construction N (200) --ef-search N (128) --no-peer';

interface Options {
  pool: number;
  targets: number;
  dim: number;
  k: number;
  jobs: number;
  M: number;
  efConstruction: number;
  efSearch: number;
  peer: boolean;
}

function parse(args: string[]): Options {
  const o: Options = { pool: 200_000, targets: 5000, dim: 128, k: 20, jobs: 2, M: 16, efConstruction: 200, efSearch: 128, peer: true };
  const keys: Record<string, keyof Options> = {
    '--pool': 'pool', '--targets': 'targets', '--dim': 'dim', '--k': 'k', '--jobs': 'jobs', '--M': 'M',
    '--ef-construction': 'efConstruction', '--ef-search': 'efSearch',
  }; // prettier-ignore
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--no-peer') {
      o.peer = false;
      continue;
    }
    const key = keys[args[i]];
    const n = Number(args[i + 1]);
    if (!key || !Number.isInteger(n) || n < 1) throw new Error(`nn: bad option "${args[i]} ${args[i + 1] ?? ''}"\n${USAGE}`);
    (o as unknown as Record<string, number>)[key] = n;
    i++;
  }
  return o;
}

/** Seeded clustered vectors: 1,000 Gaussian centres, points = centre + noise, unit-normalised. */
function clustered(n: number, dim: number, centres: Float32Array, rng: Rng): Float32Array {
  const c = centres.length / dim;
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const k = rng.int(c);
    for (let j = 0; j < dim; j++) x[i * dim + j] = centres[k * dim + j] + 0.5 * rng.normal();
  }
  return normalizeRows({ rows: n, dim, data: x }).data;
}

function recall(a: NeighborLists, truth: NeighborLists, k: number): number {
  let hit = 0;
  for (let q = 0; q < truth.queries; q++) {
    const t = new Set(truth.indices.subarray(q * truth.k, q * truth.k + k));
    for (let j = 0; j < k; j++) if (t.has(a.indices[q * a.k + j])) hit++;
  }
  return Math.round((hit / (truth.queries * k)) * 1e4) / 1e4;
}

const peakMb = () => Math.round(process.resourceUsage().maxRSS / 102.4) / 10;

export const nnBench: Bench = {
  name: 'nn',
  description: 'k-NN for the sampler: twindb exact / HNSW (hnswlib-node, worker threads) / auto vs faiss IndexFlatIP / IndexHNSWFlat',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const o = parse(ctx.args);
    const rng = new Rng('bench:nn');
    const centres = Float32Array.from({ length: 1000 * o.dim }, () => rng.normal());
    const pool = clustered(o.pool, o.dim, centres, rng);
    const targets = { rows: o.targets, dim: o.dim, data: clustered(o.targets, o.dim, centres, rng) };
    ctx.log(`pool ${o.pool} × ${o.dim}, ${o.targets} targets, k = ${o.k}`);

    let t = performance.now();
    const exact = new ExactSearch(targets, o.k);
    const block = 16_384;
    for (let r = 0; r < o.pool; r += block) await exact.add({ offset: r, embeddings: pool.subarray(r * o.dim, Math.min(o.pool, r + block) * o.dim) });
    const truth = exact.result();
    const exactMs = Math.round(performance.now() - t);
    const exactPeak = peakMb();
    ctx.log(`twindb exact: ${exactMs} ms (peak RSS ${exactPeak} MB)`);

    t = performance.now();
    const hnsw = new HnswSearch(targets, o.k, { M: o.M, efConstruction: o.efConstruction, efSearch: o.efSearch }, o.jobs);
    for (let p = 0; p < o.jobs; p++) {
      const r0 = Math.floor((p * o.pool) / o.jobs);
      const r1 = Math.floor(((p + 1) * o.pool) / o.jobs);
      hnsw.addShard(pool.subarray(r0 * o.dim, r1 * o.dim), r0);
    }
    const approx = await hnsw.result();
    const hnswMs = Math.round(performance.now() - t);
    const hnswRecall = recall(approx, truth, o.k);
    ctx.log(`twindb HNSW (${o.jobs} workers): ${hnswMs} ms, recall@${o.k} ${hnswRecall}, pieces ${JSON.stringify(hnsw.stats)}`);

    const plan = chooseIndex(o.targets, o.pool, o.dim, o.efConstruction, o.efSearch, false);
    const autoMs = plan.choice === 'exact' ? exactMs : hnswMs;
    const autoRecall = plan.choice === 'exact' ? 1 : hnswRecall;
    ctx.log(`auto picks ${plan.choice} (model: exact ${plan.exactSeconds.toFixed(1)} s, hnsw ${plan.hnswSeconds.toFixed(1)} s)`);

    let peer: Record<string, unknown> | null = null;
    let peerNote: string | undefined;
    const python = o.peer ? findPeerPython(['numpy', 'faiss']).python : null;
    if (python) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-nn-'));
      try {
        await writeFile(path.join(dir, 'q.f32'), new Uint8Array(targets.data.buffer));
        await writeFile(path.join(dir, 'c.f32'), new Uint8Array(pool.buffer));
        const out = path.join(dir, 'res');
        const { stdout } = await promisify(execFile)(
          python,
          [PEER_SCRIPT, '--queries', path.join(dir, 'q.f32'), '--pool', path.join(dir, 'c.f32'), '--dim', String(o.dim), '--k', String(o.k), '--threads', String(o.jobs), '--M', String(o.M), '--ef-construction', String(o.efConstruction), '--ef-search', String(o.efSearch), '--out', out],
          { maxBuffer: 16 * 2 ** 20 },
        );
        peer = JSON.parse(stdout.trim().split('\n').pop()!);
        const buf = await readFile(`${out}.flat`);
        const flatIdx = new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        peer!.flatRecallVsTwindbExact = recall({ queries: o.targets, k: o.k, indices: flatIdx, distances: new Float32Array(0) }, truth, o.k);
        ctx.log(`faiss: ${JSON.stringify(peer)}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } else peerNote = o.peer ? 'no python with numpy+faiss (apt-get install python3-faiss)' : 'peer disabled (--no-peer)';

    const flatMs = typeof peer?.flatMs === 'number' ? peer.flatMs : null;
    const faissHnswMs = typeof peer?.hnswMs === 'number' ? peer.hnswMs : null;
    const faissBest = flatMs !== null && faissHnswMs !== null ? Math.min(flatMs, (peer!.hnswRecall as number) >= 0.99 ? faissHnswMs : Infinity) : flatMs;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      bench: 'nn',
      ratio: faissBest ? r2(autoMs / faissBest) : null,
      options: o,
      twindb: { exactMs, hnswMs, hnswRecall, autoChoice: plan.choice, autoMs, autoRecall, exactPeakMb: exactPeak, peakMb: peakMb(), hnswPieces: hnsw.stats },
      peer,
      ratios: peer
        ? { exactVsFlat: flatMs ? r2(exactMs / flatMs) : null, hnswVsFaissHnsw: faissHnswMs ? r2(hnswMs / faissHnswMs) : null, autoVsFaissBest: faissBest ? r2(autoMs / faissBest) : null }
        : null,
      ...(peerNote ? { peerNote } : {}),
    };
  },
};
