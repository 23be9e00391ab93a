import { createHash } from 'node:crypto';

/**
 * Checkpoint identity of every training step (pretext, scan, selflabel): a flat record of every value
 * that changes the weights a run produces, a short stable hash of it stored in the checkpoint, and
 * the list of keys that changed, so a refused resume names them.
 */

/** Nested objects → dotted keys; arrays stay values (a changed list is one changed key). */
export function flattenIdentity(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) flattenIdentity(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

/** Short stable hash of an identity (sorted keys). */
export function identityHash(identity: Record<string, unknown>): string {
  const sorted = Object.keys(identity)
    .sort()
    .map((k) => [k, identity[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Keys whose values differ, as `key: old → new` lines. */
export function identityChanges(saved: Record<string, unknown>, current: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].sort();
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  return keys.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(current[k])).map((k) => `${k}: ${show(saved[k])} → ${show(current[k])}`);
}
