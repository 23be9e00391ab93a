import * as tf from '@tensorflow/tfjs-core';
import { InputDataError } from '@twindb/core-tensors';
import { initBackend, type BackendChoice } from '@twindb/core-tensors/backend';
import { loadFeatureSet, type FeatureSet } from './feature-set.js';
import { mineNeighborTable, narrowNeighborTable, type NeighborTable } from './neighbor-table.js';

/** The train and val feature sets of a frozen-feature run. */
export interface FrozenInputs {
  train: FeatureSet;
  val: FeatureSet;
  /** True when no separate val file was given (val = train). */
  sameVal: boolean;
}

/** Loads `features` and the optional `valFeatures`, refusing a dimension mismatch (InputDataError). */
export async function loadFrozenInputs(features: string, valFeatures: string | undefined): Promise<FrozenInputs> {
  const train = await loadFeatureSet(features, 'features');
  if (valFeatures === undefined) return { train, val: train, sameVal: true };
  const val = await loadFeatureSet(valFeatures, 'valFeatures');
  if (val.dim !== train.dim) {
    throw new InputDataError(`valFeatures: ${valFeatures} has dim ${val.dim} but features ${features} has dim ${train.dim}; both must come from the same encoder`);
  }
  if (val.meta.encoder !== train.meta.encoder) {
    throw new InputDataError(`valFeatures: ${valFeatures} was made by encoder "${val.meta.encoder}", features ${features} by "${train.meta.encoder}"`);
  }
  return { train, val, sameVal: false };
}

/** Val neighbour table: the first m columns of the train table when val = train, else mined. */
export function valNeighborTable(inputs: FrozenInputs, trainTable: NeighborTable | undefined, k: number): NeighborTable {
  const m = k + 1;
  if (inputs.val.rows < m) throw new InputDataError(`valFeatures: ${inputs.val.file} has ${inputs.val.rows} rows; head selection needs at least ${m} (self + ${k} neighbours)`);
  if (inputs.sameVal && trainTable && trainTable.m >= m) return narrowNeighborTable(trainTable, m);
  return mineNeighborTable(inputs.val.embeddings, inputs.val.dim, k);
}

/** Initialises the backend when asked or when none is active; returns its name. */
export async function ensureBackend(choice: BackendChoice | undefined, log: (line: string) => void): Promise<string> {
  if (choice !== undefined || tf.engine().backendName == null) {
    return (await initBackend({ backend: choice, log: (m) => log(`[twindb] ${m}`) })).name;
  }
  return tf.getBackend();
}
