import { flattenIdentity } from '@twindb/core-tensors';
import { formatDbSpec } from '@twindb/core-tensors/data';
import type { PretextConfig } from './pretext-config.js';

/**
 * The config keys a checkpoint depends on: everything that changes the weights a run produces.
 * Monitoring (`val_db`, `knn`), decoding parallelism (`num_workers`) and informational keys may
 * change between a run and its resume. `grad_cache_chunk` stays: batch norm normalises per chunk.
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
    grad_cache_chunk,
    ...rest
  } = c;
  // 0 is the single-pass step, as absent is: runs written before the key existed resume unchanged.
  const chunk = grad_cache_chunk === 0 ? undefined : grad_cache_chunk;
  return flattenIdentity({ ...rest, grad_cache_chunk: chunk, train_db: train_db.map((d) => formatDbSpec(d)) });
}
