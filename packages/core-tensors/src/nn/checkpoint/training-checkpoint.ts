import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../../run/atomic-file.js';
import type { Module } from '../backbones/module.js';
import type { Optimizer, OptimizerSlot } from '../optim/optimizer.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from './safetensors.js';
import { loadState, namedState, readState } from './state-dict.js';

const FORMAT = 'twindb-pretext-checkpoint/1';
const MODEL = 'model.';
const OPTIMIZER = 'optimizer.';

/** What a training checkpoint records besides the tensors. */
export interface CheckpointInfo {
  /** Epochs completed, i.e. the 0-based epoch a resumed run starts with. */
  epoch: number;
  /** The run's seed: with the epoch it fixes the data order and every augmentation still to come. */
  seed: number;
  configHash: string;
  /** The flattened training identity (see trainingIdentity), to name the keys that changed on resume. */
  config: Record<string, unknown>;
  optimizer: string;
  optimizerIterations: number;
  /** Mean loss of the last completed epoch. */
  loss?: number;
}

/**
 * Writes weights, batch-norm buffers and optimiser slots (by state-dict name, not by tfjs variable
 * id, which differs between processes) plus the info above as one safetensors file, atomically:
 * a crash mid-write leaves the previous checkpoint intact. Weights keep the tfjs layouts (conv
 * [kh, kw, in, out], linear [in, out]), as the `layout` metadata says.
 */
export async function saveTrainingCheckpoint(file: string, model: Module, optimizer: Optimizer, info: CheckpointInfo): Promise<void> {
  const tensors = readState(model, MODEL);
  const varToName = new Map([...namedState(model)].map(([name, v]) => [v.name, name]));
  const state = optimizer.getState();
  for (const slot of state.slots) {
    const { varName, kind } = splitSlot(slot.name);
    const name = varToName.get(varName);
    if (name === undefined) throw new Error(`checkpoint: optimizer slot "${slot.name}" belongs to no parameter of the model`);
    tensors.set(`${OPTIMIZER}${name}/${kind}`, { dtype: 'F32', shape: [...slot.tensor.shape], data: slot.tensor.dataSync() as Float32Array });
  }
  const metadata: Record<string, string> = {
    format: FORMAT,
    layout: 'tfjs (conv [kh,kw,in,out], linear [in,out])',
    epoch: String(info.epoch),
    seed: String(info.seed),
    config_hash: info.configHash,
    config: JSON.stringify(info.config),
    optimizer: info.optimizer,
    optimizer_iterations: String(info.optimizerIterations),
  };
  if (info.loss !== undefined) metadata.loss = String(info.loss);
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export interface LoadedCheckpoint {
  info: CheckpointInfo;
  tensors: Map<string, SafetensorsEntry>;
  file: string;
}

export async function readTrainingCheckpoint(file: string): Promise<LoadedCheckpoint> {
  const { tensors, metadata: m } = decodeSafetensors(await readFile(file), file);
  if (m.format !== FORMAT) throw new Error(`${file}: not a twindb pretext checkpoint (format "${m.format ?? '(none)'}", expected "${FORMAT}")`);
  const int = (key: string): number => {
    const v = Number(m[key]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${file}: checkpoint metadata "${key}" is "${m[key]}", expected a non-negative integer`);
    return v;
  };
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(m.config ?? '') as Record<string, unknown>;
  } catch {
    throw new Error(`${file}: checkpoint metadata "config" is not JSON`);
  }
  const info: CheckpointInfo = {
    epoch: int('epoch'),
    seed: int('seed'),
    configHash: m.config_hash ?? '',
    config,
    optimizer: m.optimizer ?? '',
    optimizerIterations: int('optimizer_iterations'),
    loss: m.loss === undefined ? undefined : Number(m.loss),
  };
  return { info, tensors, file };
}

/**
 * Restores model and optimiser from a checkpoint, strictly: the model must match tensor for tensor
 * and every optimiser slot must belong to one of its parameters.
 */
export function restoreTrainingCheckpoint(ckpt: LoadedCheckpoint, model: Module, optimizer: Optimizer): void {
  const own = new Map(namedState(model));
  const slots: OptimizerSlot[] = [];
  const orphans: string[] = [];
  for (const [name, t] of ckpt.tensors) {
    if (!name.startsWith(OPTIMIZER)) continue;
    const { varName: paramName, kind } = splitSlot(name.slice(OPTIMIZER.length));
    const v = own.get(paramName);
    if (!v || !v.trainable) orphans.push(name);
    else slots.push({ name: `${v.name}/${kind}`, tensor: tf.tensor(t.data, t.shape, 'float32') });
  }
  if (orphans.length) {
    tf.dispose(slots.map((s) => s.tensor));
    throw new Error(`${ckpt.file}: optimizer state for tensors the model does not train: ${orphans.slice(0, 8).join(', ')}`);
  }
  try {
    loadState(model, ckpt.tensors, { source: ckpt.file, prefix: MODEL });
  } catch (err) {
    tf.dispose(slots.map((s) => s.tensor));
    throw err;
  }
  optimizer.setState({ iterations: ckpt.info.optimizerIterations, slots });
  // The optimiser's variables took their own reference to the data.
  tf.dispose(slots.map((s) => s.tensor));
}

/** Final weights (no optimiser state) with bare state-dict names, as the reference's `model.pth.tar`. */
export async function saveModelWeights(file: string, model: Module, metadata: Record<string, string> = {}): Promise<void> {
  const meta = { format: 'twindb-pretext-model/1', layout: 'tfjs (conv [kh,kw,in,out], linear [in,out])', ...metadata };
  await writeFileAtomic(file, encodeSafetensors(readState(model), meta));
}

function splitSlot(slotName: string): { varName: string; kind: string } {
  const i = slotName.lastIndexOf('/');
  if (i <= 0) throw new Error(`checkpoint: optimizer slot "${slotName}" is not "<variable>/<slot>"`);
  return { varName: slotName.slice(0, i), kind: slotName.slice(i + 1) };
}
