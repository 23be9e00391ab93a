import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputDataError, Rng, UsageError } from '@twindb/core-tensors';
import { loadState, type SafetensorsEntry } from '@twindb/core-tensors/nn';
import { applyStandardization, ClusterHeads, headProbabilities, loadFrozenInputs, valNeighborTable, writeHeadModel, type HeadModel } from '@twindb/scan';
import type { SelflabelConfig } from './selflabel-config.js';
import type { SelflabelBatch, SelflabelDriver } from './selflabel-driver.js';

/**
 * Frozen-feature self-labelling: SCAN's kept head and standardisation on stored features; the weak
 * view is the stored feature, the "strong" view the same plus N(0, feature_noise²) per standardised
 * dimension (0 = identical views; there is no image to augment).
 */
export async function frozenSelflabelDriver(
  x: { scanModel: HeadModel; scanModelPath: string; features: string; valFeatures?: string; valNeighbors: number },
  c: SelflabelConfig,
): Promise<SelflabelDriver> {
  const { scanModel, scanModelPath } = x;
  const inputs = await loadFrozenInputs(x.features, x.valFeatures);
  const { train, val } = inputs;
  const dim = train.dim;
  const K = c.num_classes;
  if (scanModel.dim !== dim) throw new InputDataError(`scan: ${scanModelPath} takes ${scanModel.dim}-d features but features ${train.file} has dim ${dim}`);
  if (scanModel.numClasses !== K) throw new UsageError(`num_classes ${K} differs from the ${scanModel.numClasses} clusters of the SCAN model ${scanModelPath}`);
  const valNb = valNeighborTable(inputs, undefined, x.valNeighbors);
  const xTrain = applyStandardization(train.embeddings, scanModel.standardization);
  const xVal = inputs.sameVal ? xTrain : applyStandardization(val.embeddings, scanModel.standardization);
  const head = new ClusterHeads(dim, K, 1, new Rng(`selflabel:init:${c.seed}`));
  const loadScan = () =>
    loadState(
      head,
      new Map<string, SafetensorsEntry>([
        ['0.weight', { dtype: 'F32', shape: [dim, K], data: scanModel.weight }],
        ['0.bias', { dtype: 'F32', shape: [K], data: scanModel.bias }],
      ]),
      { source: scanModelPath },
    );
  loadScan();
  function* batches(epoch: number): Generator<SelflabelBatch> {
    const rng = new Rng(`selflabel:epoch:${c.seed}:${epoch}`);
    const order = rng.permutation(train.rows);
    const b = c.batch_size;
    for (let s = 0; s < Math.floor(train.rows / b); s++) {
      const weak = new Float32Array(b * dim);
      for (let i = 0; i < b; i++) {
        const row = order[s * b + i];
        weak.set(xTrain.subarray(row * dim, (row + 1) * dim), i * dim);
      }
      const strong = c.feature_noise > 0 ? weak.map((v) => v + c.feature_noise * rng.normal()) : weak;
      yield {
        size: b,
        weakProbs: () => tf.tidy(() => tf.softmax(head.logits(tf.tensor2d(weak, [b, dim]))[0]).dataSync() as Float32Array),
        strongLogits: () => head.logits(tf.tensor2d(strong, [b, dim]))[0],
      };
    }
  }
  return {
    mode: 'frozen features',
    trainName: `features ${train.file}`,
    train,
    val,
    sameVal: inputs.sameVal,
    valNb,
    model: head,
    parameters: () => head.parameters(),
    buffers: () => [],
    identity: { scanModel: scanModel.metadata.config_hash ?? '', scanHead: Array.from(scanModel.bias.slice(0, 4)), features: { digest: train.digest, rows: train.rows, dim } },
    startInfo: { features: train.file, dim },
    describe: `head ${dim}→${K} from ${scanModelPath}`,
    batches,
    probabilities: async (w) => headProbabilities(head, w === 'train' ? xTrain : xVal, dim)[0],
    loadScan,
    writeModel: async (out, metadata) => {
      const model = path.join(out, 'model.safetensors');
      await writeHeadModel(model, {
        weight: Float32Array.from(head.heads[0].weight.dataSync() as Float32Array),
        bias: Float32Array.from(head.heads[0].bias.dataSync() as Float32Array),
        standardization: scanModel.standardization,
        dim,
        numClasses: K,
        metadata: { ...metadata, encoder: train.meta.encoder, db: train.meta.db },
      });
      return { model };
    },
    dispose: () => head.dispose(),
  };
}
