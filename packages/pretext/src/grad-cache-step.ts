import * as tf from '@tensorflow/tfjs-core';
import type { Module, Optimizer } from '@twindb/core-tensors/nn';
import { simclrLoss } from './simclr-loss.js';
import type { ViewBatch } from './simclr-step.js';

/** Result of {@link gradCacheGradients}: the loss, and the parameter gradients when the loss is finite. */
export interface CachedGradients {
  loss: number;
  /** Variable name → gradient, as tf.variableGrads returns them; absent when the loss is not finite. */
  grads?: tf.NamedTensorMap;
}

/**
 * The views of one chunk: both views of `chunkViews / 2` consecutive samples, first views then
 * second views, so that each chunk's batch-norm statistics cover both views of its samples as the
 * single-pass step's cover both views of the whole batch.
 */
function chunkInput(views: ViewBatch, from: number, count: number): tf.Tensor4D {
  const [, h, w, c] = views.shape;
  const pixels = h * w * c;
  const data = new Float32Array(2 * count * pixels);
  data.set(views.image.subarray(from * pixels, (from + count) * pixels), 0);
  data.set(views.augmented.subarray(from * pixels, (from + count) * pixels), count * pixels);
  return tf.tensor4d(data, [2 * count, h, w, c]);
}

/** Checks that `chunkViews` splits the 2b views into whole chunks of sample pairs. */
function samplesPerChunk(b: number, chunkViews: number): number {
  if (!Number.isInteger(chunkViews) || chunkViews < 2 || chunkViews % 2 !== 0 || (2 * b) % chunkViews !== 0) {
    throw new RangeError(`gradient caching: chunk must be an even number of views dividing 2·batch = ${2 * b}, got ${chunkViews}`);
  }
  return chunkViews / 2;
}

/**
 * The SimCLR loss and parameter gradients by gradient caching (Gao et al. 2021), so that the heap
 * holds one chunk's activations instead of the whole batch's:
 * 1. every chunk is embedded in training mode without a tape (no activations kept);
 * 2. the loss and its gradient G with respect to the [2b, d] embeddings are computed (small);
 * 3. every chunk is embedded again, with a tape, and Σ (embeddings ∘ G_chunk) is differentiated:
 *    its parameter gradient is the chunk's share of dL/dθ (the chain rule through the cached G),
 *    and the shares are summed.
 * Batch norm uses each chunk's own statistics in both passes, so pass 3 recomputes pass 1 exactly;
 * the running statistics are saved before pass 1 and restored after it, so that they are updated
 * once per chunk (in pass 3), as a single pass over the same chunks would. The views are given, so
 * both passes see the same augmentations. Nothing is updated when the loss is not finite.
 */
export function gradCacheGradients(
  model: Module<tf.Tensor4D, tf.Tensor2D>,
  views: ViewBatch,
  temperature: number,
  chunkViews: number,
): CachedGradients {
  const b = views.shape[0];
  const perChunk = samplesPerChunk(b, chunkViews);
  const starts = Array.from({ length: b / perChunk }, (_, k) => k * perChunk);

  // Pass 1: embeddings without a tape; batch norm's running-statistics updates are undone below.
  const savedBuffers = model.buffers().map((v) => tf.clone(v));
  const firsts: tf.Tensor2D[] = [];
  const seconds: tf.Tensor2D[] = [];
  try {
    for (const from of starts) {
      tf.tidy(() => {
        const z = model.apply(chunkInput(views, from, perChunk), { training: true });
        const d = z.shape[1];
        firsts.push(tf.keep(tf.slice(z, [0, 0], [perChunk, d])));
        seconds.push(tf.keep(tf.slice(z, [perChunk, 0], [perChunk, d])));
      });
    }
  } finally {
    // also when pass 1 fails (out of heap): the statistics stay as the last completed step left them
    model.buffers().forEach((v, i) => v.assign(savedBuffers[i]));
    tf.dispose(savedBuffers);
  }

  // Pass 2: loss and dL/dZ over the whole batch, in simclrLoss's [first views; second views] layout.
  const embeddings = tf.concat([...firsts, ...seconds], 0);
  tf.dispose([...firsts, ...seconds]);
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => simclrLoss(z as tf.Tensor2D, temperature))(embeddings);
  embeddings.dispose();
  const loss = value.dataSync()[0];
  value.dispose();
  if (!Number.isFinite(loss)) {
    grad.dispose();
    return { loss };
  }

  // Pass 3: each chunk's vector-Jacobian product with its rows of G, summed over the chunks.
  const vars = model.parameters();
  const d = grad.shape[1] as number;
  let total: tf.NamedTensorMap | undefined;
  for (const from of starts) {
    const cached = tf.tidy(() => tf.concat([tf.slice(grad, [from, 0], [perChunk, d]), tf.slice(grad, [b + from, 0], [perChunk, d])], 0));
    const x = chunkInput(views, from, perChunk);
    const { value: surrogate, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }), cached)) as tf.Scalar, vars);
    tf.dispose([x, cached, surrogate]);
    if (total === undefined) {
      total = grads;
    } else {
      for (const name of Object.keys(grads)) {
        const sum = tf.add(total[name], grads[name]);
        tf.dispose([total[name], grads[name]]);
        total[name] = sum;
      }
    }
  }
  grad.dispose();
  return { loss, grads: total };
}

/**
 * One SimCLR iteration by gradient caching ({@link gradCacheGradients}) with chunks of `chunkViews`
 * views, then one optimiser step. Same contract as simclrStep: returns the loss, and leaves the
 * parameters as they were when it is not finite.
 */
export function gradCacheStep(
  model: Module<tf.Tensor4D, tf.Tensor2D>,
  optimizer: Optimizer,
  views: ViewBatch,
  temperature: number,
  chunkViews: number,
): number {
  const { loss, grads } = gradCacheGradients(model, views, temperature, chunkViews);
  if (grads !== undefined) {
    optimizer.step(model.parameters(), grads);
    tf.dispose(Object.values(grads));
  }
  return loss;
}
