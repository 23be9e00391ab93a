import { promises as fs } from 'node:fs';
import path from 'node:path';
import { removeOwnedOutput, tempPathFor, trackTemp, untrackTemp, writeRunManifest } from '@twindb/core-tensors';
import {
  materializeImages,
  writeNeighborsArrow,
  writeSelectedArrow,
  writeRemovedTargetsCsv,
  writeSelectedCsv,
  writeUncoveredCsv,
  type SelectedRow,
} from '../io/write-outputs.js';
import type { SampleOptions } from '../options.js';
import type { FeatureSource } from '../search/feature-source.js';
import { truncateNeighborLists } from '../search/neighbor-lists.js';
import { gatherRows } from '../io/pool-scan.js';
import { writeMontages } from '../seed/montage.js';
import { writeNnMakerOutputs } from '../seed/nn-maker-outputs.js';
import type { DedupResult } from './dedup-targets.js';
import type { SampleInputs } from './open-inputs.js';
import type { SampleReport, UncoveredTarget } from './report-match.js';
import type { PoolSearch } from './search-pool.js';
import type { ChosenItems } from './select-items.js';

/**
 * Phase 5: `selected.csv`, `selected.arrow`, `neighbors.arrow`, `uncovered-targets.csv`,
 * `removed-targets.csv` (target de-duplication), the seed's `ImageSets/scan_nn{K}.txt` and
 * `topk{K}_neighbors_val_from_train.npy` (seed path), the
 * optional images, `report.json` and the ownership manifest `.twindb-run.json`, all into a temp
 * folder next to `out`, renamed into place only when complete (and removed on failure or signal).
 * A previous output is removed only as far as its manifest lists (checked again now).
 */
export async function writeSample(
  inputs: SampleInputs,
  found: PoolSearch,
  chosen: ChosenItems,
  report: SampleReport,
  uncovered: readonly UncoveredTarget[],
  o: SampleOptions,
  dedup: DedupResult | null = null,
  warn: (m: string) => void = () => {},
): Promise<void> {
  const { out, target, targetSource, shards, k } = inputs;
  const { selection, gathered, rowPos } = chosen;
  const idOf = (g: number) => gathered.ids[rowPos.get(g)!];
  const rows: SelectedRow[] = Array.from(selection.pool, (g, j) => {
    const i = rowPos.get(g)!;
    return {
      id: gathered.ids[i],
      path: gathered.paths[i],
      label: gathered.labels[i],
      weight: selection.weight[j],
      closestTarget: target.ids[selection.closestTarget[j]],
      distance: selection.distance[j],
      hits: selection.hits[j],
      annotation: gathered.annotations[i],
    };
  });
  const tmp = tempPathFor(out);
  trackTemp(tmp);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await writeSelectedCsv(path.join(tmp, 'selected.csv'), rows);
    if (rows.length) await writeSelectedArrow(path.join(tmp, 'selected.arrow'), chosen.embeddings, rows, { encoder: shards[0].encoder, encoderSha256: shards[0].encoderSha256, db: `twindb-sample:${targetSource.db}` }, found.scan.annotations !== null);
    await writeNeighborsArrow(path.join(tmp, 'neighbors.arrow'), truncateNeighborLists(found.lists, Math.max(k, 1)), target.ids, idOf);
    await writeUncoveredCsv(path.join(tmp, 'uncovered-targets.csv'), [...uncovered]);
    if (dedup) await writeRemovedTargetsCsv(path.join(tmp, 'removed-targets.csv'), dedup);
    if (o.seedKs) {
      const seed = await writeNnMakerOutputs(tmp, found.lists, o.seedKs, idOf, o.poolDb, warn);
      report.nnMaker = { ks: o.seedKs, ...seed };
    }
    if (o.montage > 0) report.montage = await writeStrips(tmp, inputs, found, chosen, o, warn);
    if (o.materialize !== 'none') {
      const m = await materializeImages(path.join(tmp, 'images'), rows, o.materialize, o.poolDb);
      report.materialized = { how: o.materialize, ...m };
    }
    await fs.writeFile(path.join(tmp, 'report.json'), `${JSON.stringify(report, jsonSafe, 2)}\n`);
    await writeRunManifest(tmp, 'sample');
    const files = [o.target, ...o.pool].filter((f): f is string => typeof f === 'string');
    if (inputs.outExists) await removeOwnedOutput(out, { command: 'sample', inputs: [...files, o.targetDb, o.poolDb], dbs: [o.targetDb, o.poolDb] });
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    untrackTemp(tmp);
  }
}

/** --montage N: the neighbour strips of the first N kept targets (pool rows not gathered yet are read now). */
async function writeStrips(tmp: string, inputs: SampleInputs, found: PoolSearch, chosen: ChosenItems, o: SampleOptions, warn: (m: string) => void) {
  const { target, shards } = inputs;
  const { lists } = found;
  const k = Math.min(inputs.k, lists.k);
  const n = Math.min(o.montage, lists.queries);
  const missing = new Set<number>();
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < k; j++) {
      const row = lists.indices[t * lists.k + j];
      if (row >= 0 && !chosen.rowPos.has(row)) missing.add(row);
    }
  }
  const extra = missing.size > 0 ? await gatherRows(shards, Int32Array.from(missing)) : null;
  const extraPos = new Map<number, number>();
  extra?.rows.forEach((g, i) => extraPos.set(g, i));
  return writeMontages(tmp, {
    count: n,
    k,
    lists,
    target: (t) => ({ id: target.ids[t], path: target.paths[t] }),
    pool: (row) => {
      const i = chosen.rowPos.get(row);
      if (i !== undefined) return { id: chosen.gathered.ids[i], path: chosen.gathered.paths[i] };
      const e = extraPos.get(row)!;
      return { id: extra!.ids[e], path: extra!.paths[e] };
    },
    targetDb: o.targetDb,
    poolDb: o.poolDb,
    warn,
  });
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value && typeof value === 'object' && 'batches' in (value as object)) return (value as FeatureSource).name;
  return value;
}
