import path from 'node:path';
import { evaluateClustering, formatCsvField, InputDataError, loadFeatures, writeFileAtomic } from '@twindb/core-tensors';
import { readPredictions } from '@twindb/scan';
import { Float32, Int32, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';

export interface WriteLabelsInput {
  /** The new DB's feature file (STEP 1-2's selected.arrow): ids, paths and, where known, ground truth. */
  selected: string;
  /** The target's feature file: its labels (when present) name the clusters. */
  target: string;
  /** STEP 3's predictions on the new DB and on the target (predictions.csv beside each .arrow). */
  predictions: string;
  valPredictions: string;
  out: string;
}

/** The labelled new DB, and how right its labels are where ground truth exists. */
export interface LabelsSummary {
  files: { csv: string; arrow: string };
  rows: number;
  /** Cluster → class of the target (Hungarian on the labelled target), when the target has labels. */
  clusterNames: Record<string, string> | null;
  /**
   * Hungarian accuracy of the new DB's labels against its ground truth, which no step trained on;
   * items of classes the target does not have count as errors. Null without ground truth.
   */
  acc: number | null;
  nmi: number | null;
  ari: number | null;
}

const known = (labels: ArrayLike<number | null>) => Array.from(labels).every((l) => l !== null && l >= 0);

/**
 * The pipeline's final product: `labels.csv` and `labels.arrow` beside the new DB (id, path, cluster,
 * confidence, and the cluster's name when the labelled target maps it), written atomically.
 */
export async function writeLabels(i: WriteLabelsInput): Promise<LabelsSummary> {
  const db = await loadFeatures(i.selected);
  const pred = await readPredictions(i.predictions);
  if (pred.ids.length !== db.rows || pred.ids.some((id, r) => id !== db.ids[r])) {
    throw new InputDataError(`${i.predictions}: its ids are not those of ${i.selected} in the same order; rerun selflabel on this DB`);
  }
  let clusterNames: Record<string, string> | null = null;
  const target = await loadFeatures(i.target);
  if (known(target.labels)) {
    const val = await readPredictions(i.valPredictions);
    const e = evaluateClustering(val.cluster, Int32Array.from(target.labels as ArrayLike<number>));
    clusterNames = Object.fromEntries(Array.from(e.mapping, (cls, cluster) => [String(cluster), cls >= 0 ? String(cls) : '']).filter(([, n]) => n !== ''));
  }
  const name = (c: number) => clusterNames?.[String(c)] ?? null;
  const csv = ['id,path,cluster,confidence,name', ...db.ids.map((id, r) => [id, db.paths[r], pred.cluster[r], pred.confidence[r].toPrecision(6), name(pred.cluster[r])].map(formatCsvField).join(','))];
  const files = { csv: path.join(i.out, 'labels.csv'), arrow: path.join(i.out, 'labels.arrow') };
  await writeFileAtomic(files.csv, `${csv.join('\n')}\n`);
  const table = new Table({
    id: vectorFromArray(db.ids, new Utf8()),
    path: vectorFromArray(db.paths, new Utf8()),
    cluster: vectorFromArray(Array.from(pred.cluster), new Int32()),
    confidence: vectorFromArray(Array.from(pred.confidence), new Float32()),
    name: vectorFromArray(Array.from(pred.cluster, name), new Utf8()),
  });
  await writeFileAtomic(files.arrow, tableToIPC(table, 'file'));
  let acc: number | null = null;
  let nmi: number | null = null;
  let ari: number | null = null;
  if (known(db.labels)) {
    const e = evaluateClustering(pred.cluster, Int32Array.from(db.labels as ArrayLike<number>));
    ({ acc, nmi, ari } = e);
  }
  return { files, rows: db.rows, clusterNames, acc, nmi, ari };
}
