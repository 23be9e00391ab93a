import { createHash } from 'node:crypto';
import { formatDbSpec } from '@twindb/core-tensors/data';
import type { PretextConfig } from './pretext-config.js';

/**
 * The config keys a checkpoint depends on: everything that changes the weights a run produces.
 * Monitoring (`val_db`, `knn`), decoding parallelism (`num_workers`) and informational keys may
 * change between a run and its resume.
 */
export function trainingIdentity(c: PretextConfig): Record<string, unknown> {
  const {
    val_db: _val,
    knn: _knn,
    num_workers: _workers,
    num_classes: _classes,
    train_db_name: _tn,
    val_db_name: _vn,
    train_db,
    ...rest
  } = c;
  return flatten({ ...rest, train_db: train_db.map((d) => formatDbSpec(d)) });
}

/** Short stable hash of an identity (sorted keys), recorded in checkpoints. */
export function identityHash(identity: Record<string, unknown>): string {
  const sorted = Object.keys(identity)
    .sort()
    .map((k) => [k, identity[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Keys whose values differ, as `key: old → new` lines. */
export function identityChanges(saved: Record<string, unknown>, current: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].sort();
  return keys
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(current[k]))
    .map((k) => `${k}: ${show(saved[k])} → ${show(current[k])}`);
}

function show(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

/** Nested objects → dotted keys; arrays stay values (a changed list is one changed key). */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
  return out;
}
