/**
 * The filter gradient of a stride-1 convolution as kh·kw GEMMs whose left operands are zero-copy
 * windows of one buffer (the conv runner's 'tap-views' form).
 *
 * dW[a,b] = Σ over output pixels of x(pixel shifted by tap a,b) ⊗ dy(pixel). The other forms
 * either copy x once per tap (direct: one Slice and one Gemm per tap) or build the kh·kw-wide
 * patch matrix (im2col), and both reduce over the pixel axis with Gemm's transA, which MLAS runs
 * at half speed: 64×64 outputs over 131,072 pixels took 11.1 ms with transA against 4.9 ms with
 * both operands pixel-contiguous (transB) on the project's machine.
 *
 * Here x and dy are laid out channel-major on a common grid: each image gets Hg × Wg cells
 * (Hg = H + max pad rows, Wg = W + max pad cols), the image in the top-left and zeros in the
 * extra rows and columns. The images are cut into chunks of whole images, and within a chunk all
 * its images lie back to back per channel ([chunks, c, cells]); x's grid gets one image's worth of
 * zero cells before and after (filled here, not by ORT). On that grid a tap (a,b) is one constant
 * offset, (a − pt)·Wg + (b − pl): a read that falls outside the image lands in a zero row or column
 * (of this image, the one before, or a margin), never on another pixel. So x shifted by a tap is
 * the grid read from that offset, a contiguous [ci, cells] window per chunk (its rows run on into
 * the next channel or chunk, where dy's zero cells meet them), and each tap and chunk is one
 * Gemm(window, dy chunk, transB) → [ci, co], summed over chunks. Chunks of about 4 MB let the nine
 * Gemms of a chunk read it from cache instead of reading the whole grid nine times from memory.
 * The zero cells cost work: ×1.06 at 32×32, ×1.56 at 4×4, which is why ort-conv times it
 * against the other forms rather than always using it.
 *
 * Measured through the registered kernel (batch 128, 3×3 'same', 2 threads, median ms): 32×32×64
 * direct 122, im2col 85, tap-views 76 (building the grids 21–33 of it, the nine Gemms 52);
 * 8×8×256 im2col 46 vs 47; 4×4×512 im2col 42 vs 54. In a ResNet-18 step it takes the 32×32 layers.
 * Chunked (8 chunks of 16 images at 32×32×64), with caches flushed before each call, three paired
 * runs: 70/66/65 ms against 78/73/77 unchunked; the Gemms alone 36 against 45.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { OnnxGraphBuilder } from '../../../onnx/onnx-graph.js';
import { OrtSyncSession } from '../../ort/ort-sync-session.js';
import { runOrtIntoHeap, type HeapOperand } from '../ort-heap-run.js';
import { disposeIntermediates, heapF32 } from '../wasm-kernel-calls.js';
import type { ConvGeometry } from './conv-geometry.js';

/**
 * The grid both operands are laid out on: cells per image row and column, and the chunks of whole
 * images it is cut into (each chunk channel-major on its own, so a tap's window of one chunk is
 * contiguous and the nine Gemms of a chunk find it in cache).
 */
interface TapGrid {
  hg: number;
  wg: number;
  /** Chunks: n / (images per chunk, a divisor of n). */
  chunks: number;
  /** Cells per channel in a chunk: images per chunk · hg · wg. */
  cells: number;
  /** Zero cells before the first chunk and after the last: one image's worth, more than any tap reaches. */
  margin: number;
}

/**
 * Values per chunk the chunking aims at. Measured (9 Gemms per chunk, batch 128, 2 threads,
 * median ms of the Gemms): 32×32×64 by images per chunk 1/4/8/16/128 = 57/41/37/36/45;
 * 16×16×128 by 4/8/16/32/128 = 44/35/33/33/36; 8×8×256 by 8/16/32/128 = 47/43/35/35. About a
 * million values (4 MB) is where each shape reaches its best.
 */
const CHUNK_VALUES = 1 << 20;

/** The divisor of n nearest (by ratio) to the chunk size aimed at. */
function imagesPerChunk(n: number, imageValues: number, chunkValues: number): number {
  const aim = Math.max(1, chunkValues / imageValues);
  let best = 1;
  for (let d = 1; d <= n; d++) {
    if (n % d === 0 && Math.abs(Math.log(d / aim)) < Math.abs(Math.log(best / aim))) best = d;
  }
  return best;
}

function tapGrid(g: ConvGeometry, chunkValues = CHUNK_VALUES): TapGrid {
  const hg = g.h + Math.max(g.padTop, g.padBottom);
  const wg = g.w + Math.max(g.padLeft, g.padRight);
  const images = imagesPerChunk(g.n, hg * wg * Math.max(g.ci, g.co), chunkValues);
  return { hg, wg, chunks: g.n / images, cells: images * hg * wg, margin: hg * wg };
}

/** Grid cells per image pixel: the work the zero bands add (×1.066 at 32×32 with pad 1, ×1.56 at 4×4). */
export function tapViewsBandOverhead(g: ConvGeometry): number {
  const { hg, wg } = tapGrid(g);
  return (hg * wg) / (g.h * g.w);
}

/** Whether the form computes this layer: stride and dilation 1, pads within the kernel, more than one tap. */
export function tapViewsFit(g: ConvGeometry): boolean {
  const unit = g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1;
  const pads = [g.padTop, g.padBottom, g.padLeft, g.padRight];
  const padsInKernel = Math.max(g.padTop, g.padBottom) < g.kh && Math.max(g.padLeft, g.padRight) < g.kw;
  return unit && g.kh * g.kw > 1 && pads.every((p) => p >= 0) && padsInKernel;
}

/**
 * x → [chunks, ci, cells] and dy → [chunks, co, cells] on the grid. Padding first (NHWC, whole
 * rows of W·c values per copy) and then one batched 2-D transpose is faster than transposing first
 * and padding rows of W values.
 */
function gridGraph(g: ConvGeometry, grid: TapGrid): Uint8Array {
  const b = new OnnxGraphBuilder('twindb-filter-grad-tap-grid', 13);
  b.input('x', [g.n, g.h, g.w, g.ci]);
  b.input('dy', [g.n, g.ho, g.wo, g.co]);
  const toGrid = (v: string, h: number, w: number, channels: number, out: string) => {
    const padded = b.node('Pad', [v, b.int64Initializer('pads', [0, 0, 0, 0, 0, grid.hg - h, grid.wg - w, 0])]);
    const rows = b.node('Reshape', [padded, b.int64Initializer('shape', [grid.chunks, grid.cells, channels])]);
    b.node('Transpose', [rows], { perm: [0, 2, 1] }, out);
    b.output(out, [grid.chunks, channels, grid.cells]);
  };
  toGrid('x', g.h, g.w, g.ci, 'xg');
  toGrid('dy', g.ho, g.wo, g.co, 'dyg');
  return b.toBytes();
}

/**
 * One Gemm per tap and chunk: window [ci, cells] · dy chunk [co, cells]ᵀ → [ci, co]. The chunk
 * sums are chained (each Add takes the running sum first), which makes ORT's topological order
 * finish one chunk's nine Gemms before the next chunk's: the chunk stays in cache for all nine.
 */
function tapGemmGraph(g: ConvGeometry, grid: TapGrid): Uint8Array {
  const b = new OnnxGraphBuilder('twindb-filter-grad-tap-gemm', 13);
  const taps = g.kh * g.kw;
  let sum: string | undefined;
  for (let j = 0; j < grid.chunks; j++) {
    b.input(`dy${j}`, [g.co, grid.cells]);
    const products: string[] = [];
    for (let t = 0; t < taps; t++) {
      b.input(`x${j}_${t}`, [g.ci, grid.cells]);
      products.push(b.node('Gemm', [`x${j}_${t}`, `dy${j}`], { transB: 1 }));
    }
    const stacked = taps === 1 ? products[0] : b.node('Concat', products, { axis: 0 });
    sum = sum === undefined ? stacked : b.node('Add', [sum, stacked]);
  }
  b.node('Reshape', [sum!, b.int64Initializer('shape', [g.kh, g.kw, g.ci, g.co])], {}, 'dw');
  b.output('dw', [g.kh, g.kw, g.ci, g.co]);
  return b.toBytes();
}

/** The 'tap-views' filter gradient of one layer shape: its two sessions, reused call after call. */
export class TapViewsFilterGrad {
  private readonly grid: TapGrid;
  private readonly toGrid: OrtSyncSession;
  private readonly gemms: OrtSyncSession;

  /** Chunks the grid is cut into. */
  get chunks(): number {
    return this.grid.chunks;
  }

  /** `chunkValues`: the values per chunk aimed at (tests make it small to get several chunks). */
  constructor(private readonly g: ConvGeometry, opts: { chunkValues?: number } = {}) {
    if (!tapViewsFit(g)) throw new Error('filter gradient tap-views: needs stride 1, dilation 1 and pads within the kernel');
    this.grid = tapGrid(g, opts.chunkValues);
    this.toGrid = new OrtSyncSession(gridGraph(g, this.grid));
    this.gemms = new OrtSyncSession(tapGemmGraph(g, this.grid));
  }

  /** dW [kh, kw, ci, co] of x [n, h, w, ci] and dy [n, ho, wo, co], as a new heap tensor. */
  run(backend: BackendWasm, x: TensorInfo, dy: TensorInfo): TensorInfo {
    const { g, grid } = this;
    const chunkX = g.ci * grid.cells;
    const xg = backend.makeOutput([grid.margin + grid.chunks * chunkX + grid.margin], 'float32');
    const dyg = backend.makeOutput([grid.chunks, g.co, grid.cells], 'float32');
    const dw = backend.makeOutput([g.kh, g.kw, g.ci, g.co], 'float32');
    try {
      // The margins of xg are zeros; the chunks of x's grid go between them.
      const xgView = heapF32(backend, xg);
      xgView.fill(0, 0, grid.margin);
      xgView.fill(0, grid.margin + grid.chunks * chunkX);
      runOrtIntoHeap(backend, this.toGrid, [{ name: 'x', tensor: x }, { name: 'dy', tensor: dy }], [
        { name: 'xg', tensor: xg, offset: grid.margin, dims: [grid.chunks, g.ci, grid.cells] },
        { name: 'dyg', tensor: dyg },
      ]);
      const feeds: HeapOperand[] = [];
      for (let j = 0; j < grid.chunks; j++) {
        feeds.push({ name: `dy${j}`, tensor: dyg, offset: j * g.co * grid.cells, dims: [g.co, grid.cells] });
        for (let a = 0; a < g.kh; a++) {
          for (let b = 0; b < g.kw; b++) {
            const offset = grid.margin + j * chunkX + (a - g.padTop) * grid.wg + (b - g.padLeft);
            feeds.push({ name: `x${j}_${a * g.kw + b}`, tensor: xg, offset, dims: [g.ci, grid.cells] });
          }
        }
      }
      runOrtIntoHeap(backend, this.gemms, feeds, [{ name: 'dw', tensor: dw }]);
    } catch (err) {
      disposeIntermediates(backend, dw);
      throw err;
    } finally {
      disposeIntermediates(backend, xg, dyg);
    }
    return dw;
  }

  dispose(): void {
    this.toGrid.dispose();
    this.gemms.dispose();
  }
}
