import path from 'node:path';
import { Rng } from '@twindb/core-tensors';
import type { SafetensorsEntry } from '@twindb/core-tensors/nn';
import { ClusterHeads } from '../clustering-model.js';
import { writeHeadModel } from '../io/head-model.js';
import type { ScanConfig } from '../scan-config.js';
import type { ScanDriver } from '../scan-driver.js';
import { applyStandardization, computeStandardization, type Standardization } from './feature-set.js';
import { frozenScanBatches, headProbabilities } from './frozen-batches.js';
import { loadFrozenInputs } from './frozen-inputs.js';

/** Frozen-feature SCAN: `num_heads` linear heads on stored embeddings standardised with the train statistics. */
export async function frozenScanDriver(features: string, valFeatures: string | undefined, c: ScanConfig): Promise<ScanDriver> {
  const inputs = await loadFrozenInputs(features, valFeatures);
  const { train, val } = inputs;
  const dim = train.dim;
  const heads = new ClusterHeads(dim, c.num_classes, c.num_heads, new Rng(`scan:init:${c.seed}`));
  let standardization: Standardization = computeStandardization(train.embeddings, dim);
  let xTrain = applyStandardization(train.embeddings, standardization);
  let xVal = inputs.sameVal ? xTrain : applyStandardization(val.embeddings, standardization);
  return {
    mode: 'frozen features',
    trainName: `features ${train.file}`,
    train,
    val,
    sameVal: inputs.sameVal,
    mining: inputs,
    model: heads,
    parameters: () => heads.parameters(),
    identity: {
      features: { digest: train.digest, rows: train.rows, dim },
      valFeatures: inputs.sameVal ? 'features' : { digest: val.digest, rows: val.rows },
    },
    startInfo: { features: train.file, valFeatures: inputs.sameVal ? null : val.file, dim },
    describe: `${c.num_heads} head(s) ${dim}→${c.num_classes}`,
    batches: (nb, epoch) => frozenScanBatches(xTrain, dim, nb, c.batch_size, new Rng(`scan:epoch:${c.seed}:${epoch}`), heads),
    probabilities: async (which) => headProbabilities(heads, which === 'train' ? xTrain : xVal, dim),
    sizesOn: 'train',
    extras: () =>
      new Map<string, SafetensorsEntry>([
        ['standardize.mean', { dtype: 'F32', shape: [dim], data: standardization.mean }],
        ['standardize.std', { dtype: 'F32', shape: [dim], data: standardization.std }],
      ]),
    restoreExtras: (extras) => {
      standardization = { mean: extras.get('standardize.mean')!.data as Float32Array, std: extras.get('standardize.std')!.data as Float32Array };
      xTrain = applyStandardization(train.embeddings, standardization);
      xVal = inputs.sameVal ? xTrain : applyStandardization(val.embeddings, standardization);
    },
    writeModel: async (out, head, metadata) => {
      const model = path.join(out, 'model.safetensors');
      const w = heads.heads[head];
      await writeHeadModel(model, {
        weight: Float32Array.from(w.weight.dataSync() as Float32Array),
        bias: Float32Array.from(w.bias.dataSync() as Float32Array),
        standardization,
        dim,
        numClasses: c.num_classes,
        metadata: { ...metadata, encoder: train.meta.encoder, db: train.meta.db },
      });
      return { model };
    },
    dispose: () => heads.dispose(),
  };
}
