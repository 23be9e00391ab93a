import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../backbones/module.js';
import type { SafetensorsEntry } from './safetensors.js';

/** A module's parameters and buffers by PyTorch-style state-dict name. */
export function namedState(module: Module): Map<string, tf.Variable> {
  return new Map([...module.namedParameters(), ...module.namedBuffers()]);
}

/** Copies a module's state out of the backend, ready for {@link encodeSafetensors}. */
export function readState(module: Module, prefix = ''): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  for (const [name, v] of namedState(module)) {
    out.set(prefix + name, { dtype: 'F32', shape: [...v.shape], data: v.dataSync() as Float32Array });
  }
  return out;
}

/** What {@link loadState} matched, and what it would have had to leave out. */
export interface LoadReport {
  loaded: string[];
  /** Tensors the module has but the file lacks. */
  missing: string[];
  /** Tensors the file has but the module lacks (not counting `allowUnexpected` ones). */
  unexpected: string[];
  /** Same name, different shape. */
  mismatched: Array<{ name: string; expected: number[]; found: number[] }>;
  /** Unexpected tensors the caller chose to ignore (e.g. a contrastive head when loading a backbone). */
  ignored: string[];
}

export interface LoadStateOptions {
  /** File (or description) the tensors came from, for the error message. */
  source: string;
  /** Only entries whose names start with this are considered; the prefix is stripped. */
  prefix?: string;
  /** Unexpected names that are fine to skip. Default: none (strict). */
  allowUnexpected?: (name: string) => boolean;
}

/**
 * Loads named tensors into a module, all or nothing: any missing, unexpected or wrongly shaped
 * tensor is reported by name and nothing is assigned. A silently partial load (random weights left
 * in some layers) is the failure users of the reference hit most; this refuses it.
 */
export function loadState(module: Module, tensors: ReadonlyMap<string, SafetensorsEntry>, opts: LoadStateOptions): LoadReport {
  const prefix = opts.prefix ?? '';
  const given = new Map<string, SafetensorsEntry>();
  for (const [name, t] of tensors) if (name.startsWith(prefix)) given.set(name.slice(prefix.length), t);
  const own = namedState(module);
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [], ignored: [] };
  for (const [name, v] of own) {
    const t = given.get(name);
    if (!t) report.missing.push(name);
    else if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      report.mismatched.push({ name, expected: [...v.shape], found: t.shape });
    } else report.loaded.push(name);
  }
  for (const name of given.keys()) {
    if (own.has(name)) continue;
    if (opts.allowUnexpected?.(name)) report.ignored.push(name);
    else report.unexpected.push(name);
  }
  if (report.missing.length || report.unexpected.length || report.mismatched.length) {
    throw new Error(`${opts.source}: refusing a partial load into ${module.constructor.name} (${describeProblems(report)})`);
  }
  for (const name of report.loaded) {
    const t = given.get(name)!;
    const v = own.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, 'float32')));
  }
  return report;
}

function describeProblems(r: LoadReport): string {
  const list = (names: string[]) => names.slice(0, 8).join(', ') + (names.length > 8 ? `, … ${names.length - 8} more` : '');
  const parts: string[] = [];
  if (r.missing.length) parts.push(`${r.missing.length} missing: ${list(r.missing)}`);
  if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected: ${list(r.unexpected)}`);
  if (r.mismatched.length) {
    parts.push(`${r.mismatched.length} with another shape: ${list(r.mismatched.map((m) => `${m.name} [${m.expected}] vs file [${m.found}]`))}`);
  }
  return parts.join('; ');
}
