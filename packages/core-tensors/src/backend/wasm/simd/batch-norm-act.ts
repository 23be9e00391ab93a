/**
 * Typed access to batch-norm-act.wat, plus the float64 reduction around its float32 block sums.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapIndex } from '../wasm-kernel-calls.js';
import { batchNormActWasm } from './batch-norm-act.wasm.js';
import { heapModule, type HeapScratch } from './heap-module.js';

interface BatchNormActExports {
  stats(x: number, rows: number, cb: number, shift: number, acc: number, acc2: number): void;
  apply(x: number, r: number, rStride: number, y: number, rows: number, cb: number, mean: number, scale: number, beta: number, floor: number): void;
  gradReduce(dy: number, x: number, y: number, rows: number, cb: number, mean: number, inv: number, relu: number, gOut: number, gStride: number, acc: number, acc2: number): void;
  gradApply(dy: number, x: number, y: number, dx: number, rows: number, cb: number, a: number, k2: number, mean: number, k1: number, relu: number): void;
}

/**
 * Rows per float32 block sum. 256 keeps a block's rounding error near 256·2⁻²⁴ relative; blocks are
 * added in float64, so a 400,000-row batch loses no more than one block does.
 */
const BLOCK_ROWS = 256;

export function batchNormActKernels(backend: BackendWasm): BatchNormActExports {
  return heapModule<BatchNormActExports>(backend, batchNormActWasm);
}

/**
 * y = act((x − mean)·scale + beta + residual) over an [rows × c] heap tensor, the output pass of both
 * the training and the inference kernel. `mean`, `scale` and `beta` are byte offsets of c floats;
 * an absent residual reads one row of zeros taken from `scratch`.
 */
export function applyBatchNormAct(
  backend: BackendWasm,
  scratch: HeapScratch,
  x: TensorInfo,
  residual: TensorInfo | undefined,
  y: TensorInfo,
  perChannel: { mean: number; scale: number; beta: number },
  relu: boolean,
): void {
  const c = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  const r = residual ? heapIndex(backend, residual) * 4 : scratch.floats(c);
  batchNormActKernels(backend).apply(
    heapIndex(backend, x) * 4,
    r,
    residual ? c * 4 : 0,
    heapIndex(backend, y) * 4,
    rows,
    c * 4,
    perChannel.mean,
    perChannel.scale,
    perChannel.beta,
    relu ? 0 : -Infinity,
  );
}

/**
 * Runs `accumulate(rowOffset, rows)` per block of rows, each into zeroed float32 sums at `acc` and
 * `acc2` (c floats each), and returns the float64 totals.
 */
export function blockSums(
  heap: () => Float32Array,
  c: number,
  totalRows: number,
  acc: number,
  acc2: number,
  accumulate: (firstRow: number, rows: number) => void,
): { sum: Float64Array; sum2: Float64Array } {
  const sum = new Float64Array(c);
  const sum2 = new Float64Array(c);
  const a = acc / 4;
  const a2 = acc2 / 4;
  for (let first = 0; first < totalRows; first += BLOCK_ROWS) {
    const rows = Math.min(BLOCK_ROWS, totalRows - first);
    const h = heap();
    h.fill(0, a, a + c);
    h.fill(0, a2, a2 + c);
    accumulate(first, rows);
    const after = heap();
    for (let k = 0; k < c; k++) {
      sum[k] += after[a + k];
      sum2[k] += after[a2 + k];
    }
  }
  return { sum, sum2 };
}
