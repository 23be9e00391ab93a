import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { FeatureWriter, Rng } from '@twindb/core-tensors';
import { initBackend } from '@twindb/core-tensors/backend';
import { Adam, SmallCnn } from '@twindb/core-tensors/nn';
import { ClusteringModel, runScan, scanLoss } from '@twindb/scan';
import type { Bench, BenchContext, BenchResult } from '../bench.js';
import { machineInfo } from '../machine.js';
import { findPeerPython } from '../peer-python.js';

const PEER_SCRIPT = fileURLToPath(new URL('../../peers/scan_torch.py', import.meta.url));
const USAGE = 'scan options: --rows N (8000) --dim N (64) --classes N (10) --heads N (5) --neighbors N (20) --batch N (128) --epochs N (3) --steps N (5) --no-peer';

interface Options {
  rows: number;
  dim: number;
  classes: number;
  heads: number;
  neighbors: number;
  batch: number;
  epochs: number;
  steps: number;
  peer: boolean;
}

function parse(args: string[]): Options {
  const o: Options = { rows: 8000, dim: 64, classes: 10, heads: 5, neighbors: 20, batch: 128, epochs: 3, steps: 5, peer: true };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--no-peer') {
      o.peer = false;
      continue;
    }
    const key = args[i].replace(/^--/, '') as keyof Options;
    const n = Number(args[i + 1]);
    if (!(key in o) || key === 'peer' || !Number.isInteger(n) || n < 1) throw new Error(`scan: bad option "${args[i]} ${args[i + 1] ?? ''}"\n${USAGE}`);
    (o as unknown as Record<string, number>)[key] = n;
    i++;
  }
  return o;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Clustered unit vectors like SimCLR embeddings of a digit pool: `classes` centres + noise. */
function features(o: Options): Float32Array {
  const rng = new Rng('bench:scan');
  const centres = Float32Array.from({ length: o.classes * o.dim }, () => rng.normal());
  const x = new Float32Array(o.rows * o.dim);
  for (let i = 0; i < o.rows; i++) {
    let norm = 0;
    for (let j = 0; j < o.dim; j++) {
      const v = centres[(i % o.classes) * o.dim + j] + 0.8 * rng.normal();
      x[i * o.dim + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < o.dim; j++) x[i * o.dim + j] /= Math.sqrt(norm);
  }
  return x;
}

/** One image-mode SCAN step, as the training loop runs it: anchors and neighbours forwarded separately, loss summed over heads. */
function imageStepSeconds(o: Options): number[] {
  const rng = new Rng('bench:scan:image');
  const model = new ClusteringModel(new SmallCnn({ rng }), { nclusters: o.classes, nheads: o.heads, rng });
  const optimizer = new Adam({ lr: 3e-3, weight_decay: 1e-4 });
  const anchors = tf.tensor4d(Float32Array.from({ length: o.batch * 28 * 28 }, () => rng.normal()), [o.batch, 28, 28, 1]);
  const neighbors = tf.tensor4d(Float32Array.from({ length: o.batch * 28 * 28 }, () => rng.normal()), [o.batch, 28, 28, 1]);
  const params = Object.fromEntries(model.namedParameters());
  const times: number[] = [];
  for (let s = 0; s <= o.steps; s++) {
    const t = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const a = model.headLogits(model.backboneFeatures(anchors, { training: true }));
      const n = model.headLogits(model.backboneFeatures(neighbors, { training: true }));
      return a.map((x, h) => scanLoss(x, n[h], 5).total).reduce((p, q) => tf.add(p, q) as tf.Scalar);
    }, Object.values(params));
    value.dataSync();
    optimizer.step(Object.values(params), grads as Record<string, tf.Tensor>);
    tf.dispose([value, ...Object.values(grads)]);
    if (s > 0) times.push((performance.now() - t) / 1000); // step 0 warms up (conv tuning)
  }
  tf.dispose([anchors, neighbors]);
  model.dispose();
  optimizer.dispose();
  return times;
}

export const scanBench: Bench = {
  name: 'scan',
  description: 'STEP 2: seconds per frozen-feature SCAN epoch (H heads on stored features) and per image-mode SCAN step (small CNN, batch 128) vs PyTorch',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const o = parse(ctx.args);
    const backend = await initBackend({ log: () => {} });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-scan-'));
    try {
      const x = features(o);
      const file = path.join(dir, 'features.arrow');
      const w = await FeatureWriter.create(file, { encoder: 'bench', dim: o.dim, normalized: true, db: 'bench:scan' });
      await w.appendBatch({ ids: Array.from({ length: o.rows }, (_, i) => `r${i}`), paths: Array.from({ length: o.rows }, () => null), labels: Array.from({ length: o.rows }, (_, i) => i % o.classes), embeddings: x });
      await w.close();
      const config = {
        setup: 'scan', backbone: 'small-cnn', train_db: 'mnist:pool', num_classes: o.classes, num_heads: o.heads, num_neighbors: o.neighbors,
        criterion: 'scan', criterion_kwargs: { entropy_weight: 5 }, epochs: o.epochs, batch_size: o.batch,
        optimizer: 'adam', optimizer_kwargs: { lr: 0.003, weight_decay: 0.0001 }, scheduler: 'constant', seed: 0,
      }; // prettier-ignore
      ctx.log(`frozen SCAN: ${o.rows} × ${o.dim}, ${o.heads} heads, K = ${o.classes}, batch ${o.batch}, ${o.epochs} epochs`);
      const r = await runScan({ config, features: file, out: path.join(dir, 'out') }, { log: () => {} });
      const frozenEpochs = r.history.map((h) => h.seconds);
      ctx.log(`twindb frozen epoch: ${frozenEpochs.map((s) => s.toFixed(3)).join(', ')} s`);
      ctx.log(`image-mode SCAN step: small CNN, batch ${o.batch} anchors + ${o.batch} neighbours, ${o.heads} heads`);
      const imageSteps = imageStepSeconds(o);
      ctx.log(`twindb image step: ${imageSteps.map((s) => s.toFixed(3)).join(', ')} s`);

      let peer: { frozen: { epochSeconds: number }; image: { stepSeconds: number }; torch: string } | null = null;
      let peerNote: string | undefined;
      const python = o.peer ? findPeerPython(['torch', 'numpy']).python : null;
      if (python) {
        await writeFile(path.join(dir, 'x.f32'), new Uint8Array(x.buffer));
        const env = { ...process.env };
        delete env.OPENBLAS_CORETYPE; // slows a current BLAS tenfold where set (see README, Performance)
        delete env.OPENBLAS_L2_SIZE;
        const common = ['--rows', o.rows, '--dim', o.dim, '--classes', o.classes, '--heads', o.heads, '--neighbors', o.neighbors, '--batch', o.batch, '--threads', os.availableParallelism()].map(String);
        const call = async (extra: string[]) => JSON.parse((await promisify(execFile)(python, [PEER_SCRIPT, ...common, ...extra], { env, maxBuffer: 2 ** 24 })).stdout.trim().split('\n').pop()!);
        const frozen = await call(['--mode', 'frozen', '--features', path.join(dir, 'x.f32'), '--epochs', String(o.epochs)]);
        const image = await call(['--mode', 'image', '--steps', String(o.steps)]);
        peer = { frozen, image, torch: frozen.torch };
        ctx.log(`PyTorch: frozen epoch ${frozen.epochSeconds.toFixed(3)} s, image step ${image.stepSeconds.toFixed(3)} s`);
      } else peerNote = o.peer ? 'no python with torch (apt-get install python3-torch)' : 'peer disabled (--no-peer)';

      const frozenEpochSeconds = median(frozenEpochs);
      const imageStepSecondsMedian = median(imageSteps);
      const ratios = peer ? { frozenEpoch: r3(frozenEpochSeconds / peer.frozen.epochSeconds), imageStep: r3(imageStepSecondsMedian / peer.image.stepSeconds) } : null;
      return {
        bench: 'scan',
        ratio: ratios ? Math.max(ratios.frozenEpoch, ratios.imageStep) : null,
        ratios,
        options: o,
        twindb: { frozenEpochSeconds: r3(frozenEpochSeconds), imageStepSeconds: r3(imageStepSecondsMedian), backend: backend.name, acc: r.summary.acc },
        peer: peer ? { frozenEpochSeconds: r3(peer.frozen.epochSeconds), imageStepSeconds: r3(peer.image.stepSeconds), torch: peer.torch } : null,
        machine: machineInfo(),
        ...(peerNote ? { peerNote } : {}),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
