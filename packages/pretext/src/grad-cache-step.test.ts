import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { initBackend } from '@twindb/core-tensors/backend';
import { type ApplyOptions, Module, type Optimizer, SmallCnn } from '@twindb/core-tensors/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContrastiveModel } from './contrastive-model.js';
import { gradCacheGradients, gradCacheStep } from './grad-cache-step.js';
import { simclrStep, type ViewBatch } from './simclr-step.js';

const TAU = 0.1;

/**
 * The reference: the single-pass step's model, but its forward normalises per chunk. Each chunk is
 * both views of `chunkViews / 2` consecutive samples; the rows are put back into simclrLoss's
 * [first views; second views] layout. Written here with tensor slices, independently of the
 * Float32Array chunking in grad-cache-step.ts, so that a layout mistake there shows.
 */
class PerChunkModel extends Module<tf.Tensor4D, tf.Tensor2D> {
  constructor(
    readonly inner: ContrastiveModel,
    readonly chunkViews: number,
  ) {
    super();
    this.addModule('inner', inner);
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    return tf.tidy(() => {
      const b = x.shape[0] / 2;
      const per = this.chunkViews / 2;
      const firsts: tf.Tensor2D[] = [];
      const seconds: tf.Tensor2D[] = [];
      for (let s = 0; s < b; s += per) {
        const chunk = tf.concat([tf.slice(x, [s, 0, 0, 0], [per, -1, -1, -1]), tf.slice(x, [b + s, 0, 0, 0], [per, -1, -1, -1])], 0);
        const z = this.inner.apply(chunk, opts);
        firsts.push(tf.slice(z, [0, 0], [per, -1]));
        seconds.push(tf.slice(z, [per, 0], [per, -1]));
      }
      return tf.concat([...firsts, ...seconds], 0);
    });
  }
}

/** An optimiser that records the gradients it is given (in parameter order) and changes nothing. */
class RecordingOptimizer implements Optimizer {
  learningRate = 0;
  iterations = 0;
  grads: Float32Array[] = [];
  step(variables: tf.Variable[], grads: Record<string, tf.Tensor>): void {
    this.grads = variables.map((v) => Float32Array.from(grads[v.name].dataSync()));
    this.iterations++;
  }
  getState() {
    return { iterations: this.iterations, slots: [] };
  }
  setState(): void {}
  dispose(): void {}
}

/** Two identical models: same seed, same initial weights. */
const model = () => {
  const rng = new Rng('grad-cache');
  return new ContrastiveModel(new SmallCnn({ rng }), { head: 'mlp', featuresDim: 16, rng });
};

function views(b: number, seed = 'views'): ViewBatch {
  const rng = new Rng(seed);
  const shape: ViewBatch['shape'] = [b, 12, 12, 1];
  const make = () => Float32Array.from({ length: b * 144 }, () => rng.normal());
  return { image: make(), augmented: make(), shape };
}

const bufferValues = (m: Module) => m.buffers().map((v) => Float32Array.from(v.dataSync()));

/** Largest |a − b| over the largest |b|, per tensor, maximised over the tensors (scale-aware relative error). */
function maxRelativeError(got: Float32Array[], want: Float32Array[]): number {
  expect(got.length).toBe(want.length);
  return Math.max(
    ...want.map((w, i) => {
      let diff = 0;
      let scale = 0;
      for (let k = 0; k < w.length; k++) {
        diff = Math.max(diff, Math.abs(got[i][k] - w[k]));
        scale = Math.max(scale, Math.abs(w[k]));
      }
      return diff / scale;
    }),
  );
}

/** Runs the cached step on one model and the reference step on its twin; returns both sides. */
function both(b: number, chunkViews: number, reference: 'per-chunk' | 'whole-batch') {
  const batch = views(b);
  const cached = model();
  const plain = model();
  const cachedOpt = new RecordingOptimizer();
  const plainOpt = new RecordingOptimizer();
  const cachedLoss = gradCacheStep(cached, cachedOpt, batch, TAU, chunkViews);
  const plainLoss = simclrStep(reference === 'per-chunk' ? new PerChunkModel(plain, chunkViews) : plain, plainOpt, batch, TAU);
  const out = {
    cachedLoss,
    plainLoss,
    cachedGrads: cachedOpt.grads,
    plainGrads: plainOpt.grads,
    cachedBuffers: bufferValues(cached),
    plainBuffers: bufferValues(plain),
    initialBuffers: bufferValues(model()),
  };
  cached.dispose();
  plain.dispose();
  return out;
}

describe('gradCacheStep', () => {
  // wasm: the training path (fused batch-norm kernels, whose forward updates the running statistics; ORT convolutions).
  beforeAll(() => initBackend({ backend: 'wasm', log: () => {} }));

  it.each([
    [8, 4],
    [8, 8],
  ])('b=%i, chunks of %i views: parameter gradients and running statistics equal the per-chunk single-pass step', (b, chunkViews) => {
    const r = both(b, chunkViews, 'per-chunk');
    expect(r.cachedGrads.length).toBe(model().parameters().length);
    const gradError = maxRelativeError(r.cachedGrads, r.plainGrads);
    const bufferError = maxRelativeError(r.cachedBuffers, r.plainBuffers);
    console.log(`grad cache b=${b} chunk=${chunkViews}: max relative error of gradients ${gradError.toExponential(2)}, running stats ${bufferError.toExponential(2)}`);
    expect(gradError).toBeLessThanOrEqual(1e-4);
    // Updated once per chunk, as the reference does: a second update (no restore after pass 1) moves them by ~10 %.
    expect(bufferError).toBeLessThanOrEqual(1e-4);
    expect(maxRelativeError(r.cachedBuffers, r.initialBuffers)).toBeGreaterThan(1e-2);
  });

  it('has the loss of the per-chunk single-pass step', () => {
    const r = both(8, 4, 'per-chunk');
    expect(Number.isFinite(r.cachedLoss)).toBe(true);
    expect(Math.abs(r.cachedLoss - r.plainLoss) / Math.abs(r.plainLoss)).toBeLessThanOrEqual(1e-5);
  });

  it('with one chunk of all 2b views is the plain single-pass step (whole-batch statistics)', () => {
    const r = both(8, 16, 'whole-batch');
    expect(Math.abs(r.cachedLoss - r.plainLoss) / Math.abs(r.plainLoss)).toBeLessThanOrEqual(1e-5);
    expect(maxRelativeError(r.cachedGrads, r.plainGrads)).toBeLessThanOrEqual(1e-4);
    expect(maxRelativeError(r.cachedBuffers, r.plainBuffers)).toBeLessThanOrEqual(1e-4);
  });

  it('differs from the whole-batch step when chunks are smaller (so the reference above must be per chunk)', () => {
    const r = both(8, 4, 'whole-batch');
    expect(maxRelativeError(r.cachedGrads, r.plainGrads)).toBeGreaterThan(1e-2);
  });

  it('frees every temporary, and changes nothing when the loss is not finite', () => {
    const m = model();
    const batch = views(4);
    const before = tf.memory().numTensors;
    const params = m.parameters().map((v) => Float32Array.from(v.dataSync()));
    const buffers = bufferValues(m);
    // similarities / 1e-40 overflow float32: the loss is NaN (NaN inputs would not do: L2 normalisation clamps them)
    const r = gradCacheGradients(m, batch, 1e-40, 4);
    expect(r.loss).toBeNaN();
    expect(r.grads).toBeUndefined();
    expect(m.parameters().map((v) => Float32Array.from(v.dataSync()))).toEqual(params);
    expect(bufferValues(m)).toEqual(buffers);
    expect(tf.memory().numTensors).toBe(before);

    const opt = new RecordingOptimizer();
    const finite = gradCacheStep(m, opt, views(4), TAU, 4);
    expect(Number.isFinite(finite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('refuses a chunk that is odd or does not divide the 2b views', () => {
    const m = model();
    expect(() => gradCacheGradients(m, views(4), TAU, 3)).toThrow(/even number of views dividing 2·batch = 8, got 3/);
    expect(() => gradCacheGradients(m, views(4), TAU, 6)).toThrow(/dividing 2·batch = 8, got 6/);
    m.dispose();
  });
});
