import { readFile } from 'node:fs/promises';
import { InputDataError, parseCsvLine } from '@twindb/core-tensors';

/** A step's predictions as `predictions.csv` holds them (id, path, label, cluster, confidence, p_…). */
export interface PredictionsFile {
  ids: string[];
  cluster: Int32Array;
  confidence: Float32Array;
  /** Row-major rows × k cluster probabilities (the `p_0 … p_{k−1}` columns); k = 0 when absent. */
  probabilities: Float32Array;
  k: number;
}

/** Reads `predictions.csv` (or the `.csv` beside a given `.arrow`) of a scan or self-label run. */
export async function readPredictions(file: string): Promise<PredictionsFile> {
  const csv = file.replace(/\.arrow$/, '.csv');
  const lines = (await readFile(csv, 'utf8')).split('\n').filter((l) => l.length > 0);
  const header = lines[0]?.split(',') ?? [];
  const [idCol, clusterCol, confCol] = ['id', 'cluster', 'confidence'].map((c) => header.indexOf(c));
  if (idCol < 0 || clusterCol < 0 || confCol < 0) throw new InputDataError(`${csv}: expected the columns id, cluster and confidence`);
  const rows = lines.slice(1).map((l, i) => {
    const parsed = parseCsvLine(l);
    if ('problem' in parsed) throw new InputDataError(`${csv}: row ${i + 1}: ${parsed.problem}`);
    return parsed.fields;
  });
  const pCols = header.map((h, j) => (/^p_\d+$/.test(h) ? j : -1)).filter((j) => j >= 0);
  const probabilities = new Float32Array(rows.length * pCols.length);
  rows.forEach((f, r) => pCols.forEach((j, c) => (probabilities[r * pCols.length + c] = Number(f[j]))));
  return {
    probabilities,
    k: pCols.length,
    ids: rows.map((f) => f[idCol]),
    cluster: Int32Array.from(rows, (f) => Number(f[clusterCol])),
    confidence: Float32Array.from(rows, (f) => Number(f[confCol])),
  };
}
