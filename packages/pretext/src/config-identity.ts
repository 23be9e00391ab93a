import { flattenIdentity } from '@twindb/core-tensors';
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
  return flattenIdentity({ ...rest, train_db: train_db.map((d) => formatDbSpec(d)) });
}
