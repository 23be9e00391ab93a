import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '@twindb/core-tensors';
import { decodeSafetensors, encodeSafetensors, loadState, namedState, readState, type Module, type Optimizer, type OptimizerSlot, type SafetensorsEntry } from '@twindb/core-tensors/nn';

const MODEL = 'model.';
const OPTIMIZER = 'optimizer.';
const EXTRA = 'extra.';

/** What a head-training checkpoint (scan / selflabel) records besides tensors. */
export interface HeadCheckpointInfo {
  /** Format tag, e.g. `twindb-scan-checkpoint/1`. */
  format: string;
  /** Epochs completed = the 0-based epoch a resumed run starts with. */
  epoch: number;
  seed: number;
  configHash: string;
  /** Flattened training identity, to name changed keys on a refused resume. */
  config: Record<string, unknown>;
  optimizerIterations: number;
  /** Step-specific JSON state (best loss, best head, history…); numbers round-trip exactly. */
  state: Record<string, unknown>;
}

export interface LoadedHeadCheckpoint {
  info: HeadCheckpointInfo;
  tensors: Map<string, SafetensorsEntry>;
  file: string;
}

/**
 * Writes model tensors, optimiser slots (by state-dict name), `extra` tensors (best weights,
 * standardisation…) and the info as one safetensors file, atomically. Like core-tensors'
 * saveTrainingCheckpoint, plus extra tensors and a JSON state (which it has no room for).
 */
export async function saveHeadCheckpoint(file: string, model: Module, optimizer: Optimizer, extra: ReadonlyMap<string, SafetensorsEntry>, info: HeadCheckpointInfo): Promise<void> {
  const tensors = readState(model, MODEL);
  const varToName = new Map([...namedState(model)].map(([name, v]) => [v.name, name]));
  for (const slot of optimizer.getState().slots) {
    const i = slot.name.lastIndexOf('/');
    const name = varToName.get(slot.name.slice(0, i));
    if (name === undefined) throw new Error(`checkpoint: optimizer slot "${slot.name}" belongs to no parameter of the model`);
    tensors.set(`${OPTIMIZER}${name}/${slot.name.slice(i + 1)}`, { dtype: 'F32', shape: [...slot.tensor.shape], data: slot.tensor.dataSync() as Float32Array });
  }
  for (const [name, t] of extra) tensors.set(EXTRA + name, t);
  const metadata: Record<string, string> = {
    format: info.format,
    epoch: String(info.epoch),
    seed: String(info.seed),
    config_hash: info.configHash,
    config: JSON.stringify(info.config),
    optimizer_iterations: String(info.optimizerIterations),
    state: JSON.stringify(info.state),
    layout: 'tfjs (linear [in,out])',
  };
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export async function readHeadCheckpoint(file: string, format: string): Promise<LoadedHeadCheckpoint> {
  const { tensors, metadata: m } = decodeSafetensors(await readFile(file), file);
  if (m.format !== format) throw new Error(`${file}: not a ${format} checkpoint (format "${m.format ?? '(none)'}")`);
  const json = (key: string): Record<string, unknown> => {
    try {
      return JSON.parse(m[key] ?? '') as Record<string, unknown>;
    } catch {
      throw new Error(`${file}: checkpoint metadata "${key}" is not JSON`);
    }
  };
  const info: HeadCheckpointInfo = {
    format,
    epoch: Number(m.epoch),
    seed: Number(m.seed),
    configHash: m.config_hash ?? '',
    config: json('config'),
    optimizerIterations: Number(m.optimizer_iterations),
    state: json('state'),
  };
  return { info, tensors, file };
}

/** The checkpoint's extra tensors, without the prefix. */
export function checkpointExtras(ckpt: LoadedHeadCheckpoint): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  for (const [name, t] of ckpt.tensors) if (name.startsWith(EXTRA)) out.set(name.slice(EXTRA.length), t);
  return out;
}

/** Restores model weights and optimiser state, strictly (every tensor must match). */
export function restoreHeadCheckpoint(ckpt: LoadedHeadCheckpoint, model: Module, optimizer: Optimizer): void {
  const own = new Map(namedState(model));
  const slots: OptimizerSlot[] = [];
  for (const [name, t] of ckpt.tensors) {
    if (!name.startsWith(OPTIMIZER)) continue;
    const rest = name.slice(OPTIMIZER.length);
    const i = rest.lastIndexOf('/');
    const v = own.get(rest.slice(0, i));
    if (!v) {
      tf.dispose(slots.map((s) => s.tensor));
      throw new Error(`${ckpt.file}: optimizer state for a tensor the model does not have: ${name}`);
    }
    slots.push({ name: `${v.name}/${rest.slice(i + 1)}`, tensor: tf.tensor(t.data, t.shape, 'float32') });
  }
  try {
    loadState(model, ckpt.tensors, { source: ckpt.file, prefix: MODEL });
    optimizer.setState({ iterations: ckpt.info.optimizerIterations, slots });
  } finally {
    tf.dispose(slots.map((s) => s.tensor));
  }
}

/** A module's state as plain arrays (a snapshot that survives later updates). */
export function snapshotState(model: Module): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  for (const [name, t] of readState(model)) out.set(name, { ...t, data: Float32Array.from(t.data as Float32Array) });
  return out;
}
