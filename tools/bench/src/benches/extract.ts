import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@twindb/core-tensors/backend';
import { Rng } from '@twindb/core-tensors';
import { runExtract } from '@twindb/feature-extract';
import { ResNet18Cifar, writeEncoderOnnx } from '@twindb/core-tensors/nn';
import type { Bench, BenchContext, BenchResult } from '../bench.js';
import { findPeerPython } from '../peer-python.js';
import { writeSyntheticJpegs } from '../synthetic-jpegs.js';

const PEER_SCRIPT = fileURLToPath(new URL('../../peers/extract_resnet.py', import.meta.url));
const CIFAR_NORM = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };
const USAGE = 'extract options: --count N (2000) --batch N (256) --no-peer';

interface Options {
  count: number;
  batch: number;
  peer: boolean;
}

function parse(args: string[]): Options {
  const opts: Options = { count: 2000, batch: 256, peer: true };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--no-peer') {
      opts.peer = false;
      continue;
    }
    const n = Number(args[i + 1]);
    if ((flag === '--count' || flag === '--batch') && Number.isInteger(n) && n > 0) {
      opts[flag === '--count' ? 'count' : 'batch'] = n;
      i++;
      continue;
    }
    throw new Error(`extract: unknown option or bad value "${flag} ${args[i + 1] ?? ''}"\n${USAGE}`);
  }
  return opts;
}

/**
 * STEP 1-1 throughput: a CIFAR ResNet-18 (random weights: speed does not depend on them) embeds
 * `count` 32×32 JPEGs from a folder, decode and normalisation included, into an Arrow file; the
 * peer does the same in PyTorch (PIL in a 2-worker DataLoader, eval mode, no_grad, 2 threads).
 * Both sides do one warm-up pass, then one timed pass. ratio = peer images/s ÷ twindb images/s.
 */
async function run(ctx: BenchContext): Promise<BenchResult> {
  const opts = parse(ctx.args);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'twindb-extract-bench-'));
  try {
    const images = path.join(tmp, 'jpeg32');
    ctx.log(`writing ${opts.count} 32×32 JPEGs to ${images} ...`);
    await writeSyntheticJpegs(images, 32, opts.count);
    await initBackend({ log: ctx.log });
    const model = new ResNet18Cifar({ rng: new Rng('extract-bench') }).eval();
    const encoder = path.join(tmp, 'encoder.onnx');
    await writeEncoderOnnx(encoder, model, { inputShape: [32, 32, 3], normalize: CIFAR_NORM, name: 'resnet18-cifar' });
    model.dispose();

    const pass = (out: string) =>
      runExtract({ encoder, db: `folder:${images}`, out, batchSize: opts.batch, runDir: tmp, force: true }, { log: ctx.log });
    await pass(path.join(tmp, 'warm.arrow'));
    const timed = await pass(path.join(tmp, 'pool.arrow'));
    ctx.log(`twindb: ${timed.rows} embeddings (dim ${timed.dim}) in ${timed.seconds} s: ${timed.imagesPerSecond} images/s`);

    let peer: { images: number; seconds: number; imagesPerSec: number } | null = null;
    let peerNote: string | undefined;
    const python = opts.peer ? findPeerPython(['torch', 'torchvision', 'PIL']).python : null;
    if (python) {
      const cores = os.availableParallelism?.() ?? os.cpus().length;
      const out = execFileSync(python, [PEER_SCRIPT, '--root', images, '--batch', String(opts.batch), '--threads', String(cores)], { encoding: 'utf8' });
      peer = JSON.parse(out.trim().split('\n').pop()!);
      ctx.log(`PyTorch: ${peer!.images} embeddings in ${peer!.seconds.toFixed(2)} s: ${peer!.imagesPerSec.toFixed(1)} images/s`);
    } else {
      peerNote = opts.peer ? 'no python3 with torch + torchvision (apt-get install -y python3-torchvision)' : 'peer disabled (--no-peer)';
      ctx.log(`peer skipped: ${peerNote}`);
    }
    return {
      bench: 'extract',
      ratio: peer ? Number((peer.imagesPerSec / timed.imagesPerSecond).toFixed(3)) : null,
      images: opts.count,
      batch: opts.batch,
      model: 'resnet18-cifar 32×32',
      twindb: { imagesPerSec: timed.imagesPerSecond, seconds: timed.seconds, dim: timed.dim },
      torch: peer,
      ...(peerNote ? { peerNote } : {}),
      target: 'twindb ≥ 1.5 × PyTorch images/s (ratio ≤ 0.667)',
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export const extractBench: Bench = {
  name: 'extract',
  description: 'STEP 1-1: JPEG folder → CIFAR ResNet-18 embeddings → Arrow (images/s), vs PyTorch CPU',
  run,
};
