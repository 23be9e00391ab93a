/**
 * Typed access to batch-norm-act.wat, plus the float64 reduction around its float32 block sums.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchNormActWasm } from './batch-norm-act.wasm.js';
import { heapModule } from './heap-module.js';

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
