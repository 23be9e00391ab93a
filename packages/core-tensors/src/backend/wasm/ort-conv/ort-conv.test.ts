/**
 * The ORT convolution runner on both kinds of wasm heap: a plain ArrayBuffer (single-threaded
 * wasm; ORT reads and writes in place) and a SharedArrayBuffer (threaded wasm; operands and result
 * go through copies). A heap stub stands in for the backend, and the reference is a direct loop.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../math/random.js';
import type { ConvGeometry } from './conv-geometry.js';
import { TapViewsFilterGrad } from './filter-grad-tap-views.js';
import { ConvPlanFile } from './conv-plan.js';
import { ortConvChoices, runConv, setConvEngine, setConvPlan } from './ort-conv.js';

function heapStub(shared: boolean): BackendWasm {
  const buffer = shared ? new SharedArrayBuffer(1 << 20) : new ArrayBuffer(1 << 20);
  const offsets = new Map<object, number>();
  let next = 0;
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const stub = {
    makeOutput(shape: number[], dtype: 'float32'): TensorInfo {
      const dataId = {};
      offsets.set(dataId, next);
      next += size(shape) * 4;
      return { dataId, shape, dtype };
    },
    typedArrayFromHeap(info: TensorInfo): Float32Array {
      return new Float32Array(buffer, offsets.get(info.dataId), size(info.shape));
    },
    getMemoryOffset(dataId: object): number {
      return offsets.get(dataId) as number;
    },
    // A bump allocator: freeing only forgets the tensor (a later read of it would fail).
    disposeData(dataId: object): void {
      offsets.delete(dataId);
    },
  };
  return stub as unknown as BackendWasm;
}

function put(backend: BackendWasm, data: Float32Array, shape: number[]): TensorInfo {
  const info = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(info) as Float32Array).set(data);
  return info;
}

// x [1,5,4,2], filter 3×3×2×3, stride 1, pads 1: a 'same' convolution.
const g: ConvGeometry = {
  n: 1, h: 5, w: 4, ci: 2, co: 3, ho: 5, wo: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1,
  padTop: 1, padBottom: 1, padLeft: 1, padRight: 1,
};

function referenceConv(x: Float32Array, f: Float32Array): Float32Array {
  const y = new Float32Array(g.ho * g.wo * g.co);
  for (let i = 0; i < g.ho; i++) {
    for (let j = 0; j < g.wo; j++) {
      for (let o = 0; o < g.co; o++) {
        let s = 0;
        for (let a = 0; a < g.kh; a++) {
          for (let b = 0; b < g.kw; b++) {
            const yy = i + a - g.padTop;
            const xx = j + b - g.padLeft;
            if (yy < 0 || yy >= g.h || xx < 0 || xx >= g.w) continue;
            for (let c = 0; c < g.ci; c++) s += x[(yy * g.w + xx) * g.ci + c] * f[((a * g.kw + b) * g.ci + c) * g.co + o];
          }
        }
        y[(i * g.wo + j) * g.co + o] = s;
      }
    }
  }
  return y;
}

/** dW[a,b,c,o] = Σ over images and output pixels of x[m, i·s + a − pt, j·s + b − pl, c] · dy[m, i, j, o]. */
function referenceFilterGrad(geo: ConvGeometry, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(geo.kh * geo.kw * geo.ci * geo.co);
  for (let m = 0; m < geo.n; m++) {
    for (let i = 0; i < geo.ho; i++) {
      for (let j = 0; j < geo.wo; j++) {
        for (let a = 0; a < geo.kh; a++) {
          for (let b = 0; b < geo.kw; b++) {
            const yy = i * geo.sh + a * geo.dh - geo.padTop;
            const xx = j * geo.sw + b * geo.dw - geo.padLeft;
            if (yy < 0 || yy >= geo.h || xx < 0 || xx >= geo.w) continue;
            for (let c = 0; c < geo.ci; c++) {
              const xv = x[((m * geo.h + yy) * geo.w + xx) * geo.ci + c];
              for (let o = 0; o < geo.co; o++) dw[((a * geo.kw + b) * geo.ci + c) * geo.co + o] += xv * dy[((m * geo.ho + i) * geo.wo + j) * geo.co + o];
            }
          }
        }
      }
    }
  }
  return dw;
}

const noXnnpack = (): TensorInfo => {
  throw new Error('a forced ORT form must not fall back to XNNPACK');
};
const heapsAndForms = [false, true].flatMap((shared) => (['direct', 'im2col'] as const).map((method) => ({ shared, method })));
const filterGradForms = [false, true].flatMap((shared) => (['direct', 'im2col', 'tap-views'] as const).map((method) => ({ shared, method })));

describe('runConv on ONNX Runtime', () => {
  afterAll(() => setConvEngine('xnnpack'));
  const rng = new Rng('ort-conv-heaps');
  const x = Float32Array.from({ length: g.h * g.w * g.ci }, () => rng.normal());
  const f = Float32Array.from({ length: g.kh * g.kw * g.ci * g.co }, () => rng.normal());
  const expected = referenceConv(x, f);

  it.each(heapsAndForms)('forward conv matches a direct loop (shared heap: $shared, $method)', ({ shared, method }) => {
    setConvEngine('ort', { minMacs: 0, method });
    const backend = heapStub(shared);
    const out = runConv(backend, 'forward', g, put(backend, x, [1, g.h, g.w, g.ci]), put(backend, f, [g.kh, g.kw, g.ci, g.co]), [1, g.ho, g.wo, g.co], noXnnpack);
    expect(out.shape).toEqual([1, g.ho, g.wo, g.co]);
    const actual = backend.typedArrayFromHeap(out) as Float32Array;
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 4);
  });

  it.each(filterGradForms)('filter gradient of Σ y·dy equals the patch sums (shared heap: $shared, $method)', ({ shared, method }) => {
    setConvEngine('ort', { minMacs: 0, method });
    const backend = heapStub(shared);
    const dy = Float32Array.from({ length: g.ho * g.wo * g.co }, (_, i) => ((i * 7) % 5) - 2);
    const out = runConv(backend, 'filter-grad', g, put(backend, x, [1, g.h, g.w, g.ci]), put(backend, dy, [1, g.ho, g.wo, g.co]), [g.kh, g.kw, g.ci, g.co], noXnnpack);
    const actual = backend.typedArrayFromHeap(out) as Float32Array;
    const expectedDw = referenceFilterGrad(g, x, dy);
    for (let i = 0; i < expectedDw.length; i++) expect(actual[i]).toBeCloseTo(expectedDw[i], 3);
  });
});

describe('tap-views filter gradient in chunks', () => {
  // 4 images, asymmetric pads (2 above, 2 right): reads that leave an image must land on zeros of
  // this image, the one before, another chunk's bands, or the margins — never on another pixel.
  const gc: ConvGeometry = {
    n: 4, h: 5, w: 4, ci: 2, co: 3, ho: 5, wo: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1,
    padTop: 2, padBottom: 0, padLeft: 0, padRight: 2,
  };
  const rng = new Rng('tap-views-chunks');
  const x = Float32Array.from({ length: gc.n * gc.h * gc.w * gc.ci }, () => rng.normal());
  const dy = Float32Array.from({ length: gc.n * gc.ho * gc.wo * gc.co }, () => rng.normal());
  const expected = referenceFilterGrad(gc, x, dy);
  // One image's grid is 7 × 6 cells × 3 channels = 126 values.
  it.each([
    { chunkValues: 126, chunks: 4 },
    { chunkValues: 252, chunks: 2 },
    { chunkValues: 1 << 20, chunks: 1 },
  ])('equals the patch sums with $chunks chunk(s)', ({ chunkValues, chunks }) => {
    const backend = heapStub(false);
    const tapViews = new TapViewsFilterGrad(gc, { chunkValues });
    try {
      expect(tapViews.chunks).toBe(chunks);
      const out = tapViews.run(backend, put(backend, x, [gc.n, gc.h, gc.w, gc.ci]), put(backend, dy, [gc.n, gc.ho, gc.wo, gc.co]));
      const actual = backend.typedArrayFromHeap(out) as Float32Array;
      for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 4);
    } finally {
      tapViews.dispose();
    }
  });
});

describe('runConv under auto with a conv plan', () => {
  afterAll(() => {
    setConvPlan(undefined);
    setConvEngine('xnnpack');
  });
  const rng = new Rng('ort-conv-plan');
  const x = Float32Array.from({ length: g.h * g.w * g.ci }, () => rng.normal());
  const f = Float32Array.from({ length: g.kh * g.kw * g.ci * g.co }, () => rng.normal());
  const forwardKey = 'forward:1,5,4,2,3,5,4,3,3,1,1,1,1,1,1,1,1';
  /** One process's first forward call of the layer: its output bits and how the runner was chosen. */
  const firstCall = (plan: ConvPlanFile | undefined) => {
    setConvEngine('ort', { minMacs: 0, method: 'auto' });
    setConvPlan(plan);
    const backend = heapStub(false);
    const xnnpack = () => put(backend, referenceConv(x, f), [1, g.ho, g.wo, g.co]);
    const out = runConv(backend, 'forward', g, put(backend, x, [1, g.h, g.w, g.ci]), put(backend, f, [g.kh, g.kw, g.ci, g.co]), [1, g.ho, g.wo, g.co], xnnpack);
    const bits = Array.from(new Uint32Array((backend.typedArrayFromHeap(out) as Float32Array).slice().buffer));
    return { bits, choice: ortConvChoices().find((c) => c.layer === forwardKey)! };
  };

  it('times a layer the plan lacks and records the winner; a later process replays it without timing, bit for bit', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'twindb-plan-run-')), 'plan.json');
    const timed = firstCall(new ConvPlanFile(file, { machine: 'test machine' }));
    expect(timed.choice.source).toBe('timed');
    expect(Object.keys(timed.choice.timings).sort()).toEqual(['direct', 'im2col', 'xnnpack']);
    expect(JSON.parse(readFileSync(file, 'utf8')).machines['test machine']).toEqual({ [forwardKey]: timed.choice.runner });

    const replayed = firstCall(new ConvPlanFile(file, { machine: 'test machine' }));
    expect(replayed.choice).toMatchObject({ source: 'plan', runner: timed.choice.runner, timings: {} });
    expect(replayed.bits).toEqual(timed.bits);
  });

  /** The layer's output bits with `runner` pinned (no plan, no timing). */
  const pinnedBits = (runner: 'im2col' | 'direct' | 'xnnpack') => {
    if (runner === 'xnnpack') return Array.from(new Uint32Array(referenceConv(x, f).buffer));
    setConvPlan(undefined);
    setConvEngine('ort', { minMacs: 0, method: runner });
    const backend = heapStub(false);
    const out = runConv(backend, 'forward', g, put(backend, x, [1, g.h, g.w, g.ci]), put(backend, f, [g.kh, g.kw, g.ci, g.co]), [1, g.ho, g.wo, g.co], noXnnpack);
    return Array.from(new Uint32Array((backend.typedArrayFromHeap(out) as Float32Array).slice().buffer));
  };

  it.each(['im2col', 'direct', 'xnnpack'] as const)('runs the form the plan names (%s), not the fastest', (runner) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'twindb-plan-run-')), 'plan.json');
    writeFileSync(file, JSON.stringify({ version: 1, machines: { m: { [forwardKey]: runner } } }));
    const planned = firstCall(new ConvPlanFile(file, { machine: 'm' }));
    expect(planned.choice).toMatchObject({ source: 'plan', runner });
    expect(planned.bits).toEqual(pinnedBits(runner));
  });

  it('adopts the decision another process recorded while this one was timing, and returns its result', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'twindb-plan-run-')), 'plan.json');
    const mine = new ConvPlanFile(file, { machine: 'm' });
    // Recorded after `mine` read the file. 'direct' is not the last candidate timed (XNNPACK is),
    // so the result of the timing runs is not its own and must be computed again by it.
    new ConvPlanFile(file, { machine: 'm' }).record(forwardKey, 'direct');
    const raced = firstCall(mine);
    expect(raced.choice).toMatchObject({ source: 'timed', runner: 'direct' });
    expect(raced.bits).toEqual(pinnedBits('direct'));
  });

  it('refuses a plan naming a form that cannot compute the layer, naming the file and the layer', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'twindb-plan-run-')), 'plan.json');
    writeFileSync(file, JSON.stringify({ version: 1, machines: { m: { [forwardKey]: 'tap-views' } } }));
    expect(() => firstCall(new ConvPlanFile(file, { machine: 'm' }))).toThrow(`conv plan ${file}: layer ${forwardKey} names 'tap-views', which cannot compute it`);
    // also when it was recorded by another process while this one was timing
    const raced = path.join(path.dirname(file), 'raced.json');
    const mine = new ConvPlanFile(raced, { machine: 'm' });
    new ConvPlanFile(raced, { machine: 'm' }).record(forwardKey, 'tap-views');
    expect(() => firstCall(mine)).toThrow(`conv plan ${raced}: layer ${forwardKey} names 'tap-views', which cannot compute it`);
  });
});
