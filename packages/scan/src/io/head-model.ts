import { readFile } from 'node:fs/promises';
import { InputDataError, writeFileAtomic } from '@twindb/core-tensors';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from '@twindb/core-tensors/nn';
import type { Standardization } from '../frozen/feature-set.js';

export const HEAD_MODEL_FORMAT = 'twindb-cluster-head/1';

/**
 * A frozen-feature clustering model: one Linear(D → K) head (state-dict names
 * `cluster_head.0.weight` [D, K] (tfjs layout) and `cluster_head.0.bias` [K]) and the per-dimension
 * standardisation applied to the features before it (`standardize.mean`, `standardize.std`).
 */
export interface HeadModel {
  weight: Float32Array;
  bias: Float32Array;
  standardization: Standardization;
  dim: number;
  numClasses: number;
  metadata: Record<string, string>;
}

export async function writeHeadModel(file: string, m: HeadModel): Promise<void> {
  const t = new Map<string, SafetensorsEntry>([
    ['cluster_head.0.weight', { dtype: 'F32', shape: [m.dim, m.numClasses], data: m.weight }],
    ['cluster_head.0.bias', { dtype: 'F32', shape: [m.numClasses], data: m.bias }],
    ['standardize.mean', { dtype: 'F32', shape: [m.dim], data: m.standardization.mean }],
    ['standardize.std', { dtype: 'F32', shape: [m.dim], data: m.standardization.std }],
  ]);
  const meta = { ...m.metadata, format: HEAD_MODEL_FORMAT, layout: 'tfjs (linear [in,out])', dim: String(m.dim), num_classes: String(m.numClasses) };
  await writeFileAtomic(file, encodeSafetensors(t, meta));
}

/** Reads a head model (SCAN's or self-label's `model.safetensors`); problems are InputDataErrors naming `key`. */
export async function readHeadModel(file: string, key: string): Promise<HeadModel> {
  let decoded;
  try {
    decoded = decodeSafetensors(await readFile(file), file);
  } catch (err) {
    throw new InputDataError(`${key}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { tensors, metadata } = decoded;
  if (metadata.format !== HEAD_MODEL_FORMAT) throw new InputDataError(`${key}: ${file} is not a twindb cluster-head model (format "${metadata.format ?? '(none)'}", expected "${HEAD_MODEL_FORMAT}")`);
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t || t.dtype !== 'F32' || t.shape.join() !== shape.join()) throw new InputDataError(`${key}: ${file} lacks tensor "${name}" of shape [${shape}]`);
    return t.data as Float32Array;
  };
  const w = tensors.get('cluster_head.0.weight');
  if (!w || w.shape.length !== 2) throw new InputDataError(`${key}: ${file} lacks tensor "cluster_head.0.weight"`);
  const [dim, numClasses] = w.shape;
  return {
    weight: get('cluster_head.0.weight', [dim, numClasses]),
    bias: get('cluster_head.0.bias', [numClasses]),
    standardization: { mean: get('standardize.mean', [dim]), std: get('standardize.std', [dim]) },
    dim,
    numClasses,
    metadata,
  };
}
