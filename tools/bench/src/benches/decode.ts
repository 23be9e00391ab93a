import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AugmentedDataset, decodeStream, openFolderSource, simclrTransform } from '@twindb/core-tensors/data';
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
  /** Decode + two SimCLR views per image, batched (what a SimCLR step consumes). */
  imagesPerSec: number;
  concurrency: number;
  byConcurrency: Record<string, number>;
  decodeOnlyPerSec: number;
  peerImagesPerSec: number | null;
  ratio: number | null;
}

async function twindbThroughput(dir: string, size: number, concurrency: number): Promise<number> {
  const source = await openFolderSource(dir, { format: { size } });
  const ds = new AugmentedDataset(source, { transform: simclrTransform(simclrKwargs(size)), seed: 1, concurrency });
  const t0 = performance.now();
  let n = 0;
  for await (const b of ds.batches({ batchSize: BATCH, dropLast: false })) n += b.indices.length;
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

function peerThroughput(python: string, dir: string, size: number): number {
  const out = execFileSync(python, ['-c', PEER_SCRIPT, dir, String(size)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return Number(out.trim().split('\n').pop());
}

async function run(ctx: BenchContext): Promise<BenchResult> {
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
      await twindbThroughput(dir, size, cores); // warm-up: file cache, JIT
      const byConcurrency: Record<string, number> = {};
      for (const c of concurrencies) {
        byConcurrency[c] = Math.round(await twindbThroughput(dir, size, c));
        ctx.log(`  twindb ${size}×${size}, concurrency ${c}: ${byConcurrency[c]} images/s (decode + 2 SimCLR views)`);
      }
      const best = concurrencies.reduce((a, b) => (byConcurrency[b] > byConcurrency[a] ? b : a));
      const decodeOnlyPerSec = Math.round(await decodeOnly(dir, size, best));
      ctx.log(`  twindb ${size}×${size}, decode only: ${decodeOnlyPerSec} images/s`);
      let peer: number | null = null;
      if (peerPython) {
        peer = Math.round(peerThroughput(peerPython, dir, size));
        ctx.log(`  torchvision ${size}×${size} (PIL, DataLoader 2 workers): ${peer} images/s`);
      }
      results.push({
        size,
        imagesPerSec: byConcurrency[best],
        concurrency: best,
        byConcurrency,
        decodeOnlyPerSec,
        peerImagesPerSec: peer,
        ratio: peer === null ? null : Number((peer / byConcurrency[best]).toFixed(3)),
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return {
    bench: 'decode',
    // Peer throughput ÷ twindb throughput at 32×32 (the size the ≥ 1,000 images/s target is set for).
    ratio: results[0].ratio,
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
