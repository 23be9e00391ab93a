import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AugmentedDataset, decodeStream, openFolderSource, resolveDatasetWorkers, simclrTransform } from '@twindb/core-tensors/data';
import { findPeerPython } from '../peer-python.js';
import { writeSyntheticJpegs } from '../synthetic-jpegs.js';
import type { Bench, BenchContext, BenchResult } from '../bench.js';

const COUNT = 2000;
const BATCH = 256;
const CIFAR_NORM = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };

/** The SimCLR augmentation of SCAN's CIFAR/STL configs at a given output size. */
const simclrKwargs = (size: number) => ({
  random_resized_crop: { size, scale: [0.2, 1] as [number, number] },
  color_jitter_random_apply: { p: 0.8 },
  color_jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  random_grayscale: { p: 0.2 },
  normalize: CIFAR_NORM,
});

interface SizeResult {
  size: number;
  /** Decode + two SimCLR views per image, batched (what a SimCLR step consumes), with the setting 'auto' picks. */
  imagesPerSec: number;
  /** What AugmentedDataset's default `workers: 'auto'` resolves to at this size, and the best concurrency with it. */
  chosen: { workers: number; concurrency: number };
  /** Main-thread decode + augmentation (workers 0), by concurrency. */
  byConcurrency: Record<string, number>;
  /** Decode + augmentation in `workers` worker threads, by concurrency (tasks in flight). */
  withWorkers: { workers: number; byConcurrency: Record<string, number> };
  decodeOnlyPerSec: number;
  peerImagesPerSec: number | null;
  ratio: number | null;
}

async function twindbThroughput(dir: string, size: number, concurrency: number, workers: number): Promise<number> {
  const source = await openFolderSource(dir, { format: { size } });
  const ds = new AugmentedDataset(source, { transform: simclrTransform(simclrKwargs(size)), seed: 1, concurrency, workers });
  const t0 = performance.now();
  let n = 0;
  for await (const b of ds.batches({ batchSize: BATCH, dropLast: false, reuseBuffers: true })) n += b.indices.length;
  if (n !== COUNT) throw new Error(`decode bench: expected ${COUNT} images, got ${n}`);
  return (n / (performance.now() - t0)) * 1000;
}

async function decodeOnly(dir: string, size: number, concurrency: number): Promise<number> {
  const source = await openFolderSource(dir, { format: { size } });
  const t0 = performance.now();
  let n = 0;
  for await (const _ of decodeStream(source, undefined, { concurrency })) n++;
  return (n / (performance.now() - t0)) * 1000;
}

/** The same pipeline in torchvision: PIL decode, the SimCLR transforms twice, DataLoader with 2 workers. */
const PEER_SCRIPT = String.raw`
import sys, time, glob, torch, torchvision.transforms as T
from PIL import Image
root, size = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
files = sorted(glob.glob(root + '/*.jpg'))
aug = T.Compose([T.RandomResizedCrop(size, scale=(0.2, 1.0)), T.RandomHorizontalFlip(),
                 T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8), T.RandomGrayscale(p=0.2),
                 T.ToTensor(), T.Normalize([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010])])
class D(torch.utils.data.Dataset):
    def __len__(self): return len(files)
    def __getitem__(self, i):
        img = Image.open(files[i]).convert('RGB')
        return aug(img), aug(img)
loader = torch.utils.data.DataLoader(D(), batch_size=${BATCH}, shuffle=True, num_workers=2, drop_last=False)
for _ in loader: pass
t0 = time.time(); n = 0
for a, b in loader: n += a.shape[0]
print(n / (time.time() - t0))
`;

const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));

function bestOf(byConcurrency: Record<string, number>): number {
  return Number(Object.keys(byConcurrency).reduce((a, b) => (byConcurrency[b] > byConcurrency[a] ? b : a)));
}

function peerThroughput(python: string, dir: string, size: number): number {
  const out = execFileSync(python, ['-c', PEER_SCRIPT, dir, String(size)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return Number(out.trim().split('\n').pop());
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const loadAtStart = loadavg();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'twindb-decode-bench-'));
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const concurrencies = [...new Set([cores, 2 * cores, 4 * cores])];
  const peerPython = findPeerPython(['torch', 'torchvision']).python;
  const withPeer = peerPython !== null;
  if (!withPeer) ctx.log('peer: no python3 with torch + torchvision (apt-get install -y python3-torchvision), peer skipped (ratio null)');
  const results: SizeResult[] = [];
  try {
    for (const size of [32, 96]) {
      const dir = path.join(tmp, `jpeg${size}`);
      ctx.log(`writing ${COUNT} ${size}×${size} JPEGs to ${dir} ...`);
      await writeSyntheticJpegs(dir, size, COUNT);
      await twindbThroughput(dir, size, cores, 0); // warm-up: file cache, JIT
      const byConcurrency: Record<string, number> = {};
      for (const c of concurrencies) {
        byConcurrency[c] = Math.round(await twindbThroughput(dir, size, c, 0));
        ctx.log(`  twindb ${size}×${size}, main thread, concurrency ${c}: ${byConcurrency[c]} images/s (decode + 2 SimCLR views)`);
      }
      const best = bestOf(byConcurrency);
      // One worker per core, as 'auto' uses where it uses workers: the default tasks in flight (8 per
      // worker) and twice that.
      const workers = cores;
      const byWorkerConcurrency: Record<string, number> = {};
      for (const c of [8 * workers, 16 * workers]) {
        byWorkerConcurrency[c] = Math.round(await twindbThroughput(dir, size, c, workers));
        ctx.log(`  twindb ${size}×${size}, ${workers} workers, concurrency ${c}: ${byWorkerConcurrency[c]} images/s`);
      }
      const autoWorkers = resolveDatasetWorkers('auto', [simclrTransform(simclrKwargs(size))]);
      const chosen = autoWorkers > 0 ? { workers: autoWorkers, concurrency: bestOf(byWorkerConcurrency) } : { workers: 0, concurrency: best };
      const imagesPerSec = (autoWorkers > 0 ? byWorkerConcurrency : byConcurrency)[chosen.concurrency];
      ctx.log(`  twindb ${size}×${size}, chosen (workers 'auto' = ${autoWorkers}): ${imagesPerSec} images/s`);
      const decodeOnlyPerSec = Math.round(await decodeOnly(dir, size, best));
      ctx.log(`  twindb ${size}×${size}, decode only: ${decodeOnlyPerSec} images/s`);
      let peer: number | null = null;
      if (peerPython) {
        peer = Math.round(peerThroughput(peerPython, dir, size));
        ctx.log(`  torchvision ${size}×${size} (PIL, DataLoader 2 workers): ${peer} images/s`);
      }
      results.push({
        size,
        imagesPerSec,
        chosen,
        byConcurrency,
        withWorkers: { workers, byConcurrency: byWorkerConcurrency },
        decodeOnlyPerSec,
        peerImagesPerSec: peer,
        ratio: peer === null ? null : Number((peer / imagesPerSec).toFixed(3)),
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return {
    bench: 'decode',
    // Peer throughput ÷ twindb throughput (default settings), the worse of 32×32 and 96×96: the target
    // is ≤ 1 at both sizes.
    ratio: results.some((r) => r.ratio === null) ? null : Math.max(...results.map((r) => r.ratio!)),
    ratioBySize: Object.fromEntries(results.map((r) => [r.size, r.ratio])),
    // The machine may be shared: 1/5/15-minute load averages when the bench started and ended.
    loadAverage: { start: loadAtStart, end: loadavg() },
    images: COUNT,
    views: 2,
    batchSize: BATCH,
    target32: 1000,
    results,
  };
}

export const decodeBench: Bench = {
  name: 'decode',
  description: `decode ${COUNT} JPEGs + SimCLR augmentation at 32×32 and 96×96 (images/s), vs torchvision`,
  run,
};
