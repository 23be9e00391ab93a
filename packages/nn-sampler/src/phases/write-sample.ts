import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  materializeImages,
  writeNeighborsArrow,
  writeSelectedArrow,
  writeSelectedCsv,
  writeUncoveredCsv,
  type SelectedRow,
} from '../io/write-outputs.js';
import type { SampleOptions } from '../options.js';
import type { FeatureSource } from '../search/feature-source.js';
import { truncateNeighborLists } from '../search/neighbor-lists.js';
import type { SampleInputs } from './open-inputs.js';
import type { SampleReport, UncoveredTarget } from './report-match.js';
import type { PoolSearch } from './search-pool.js';
import type { ChosenItems } from './select-items.js';

/**
 * Phase 5: `selected.csv`, `selected.arrow`, `neighbors.arrow`, `uncovered-targets.csv`, the
 * optional images and `report.json`, all into a temp folder next to `out`, renamed into place only
 * when complete (and removed on failure).
 */
export async function writeSample(
  inputs: SampleInputs,
  found: PoolSearch,
  chosen: ChosenItems,
  report: SampleReport,
  uncovered: readonly UncoveredTarget[],
  o: SampleOptions,
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
    };
  });
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    await writeSelectedCsv(path.join(tmp, 'selected.csv'), rows);
    if (rows.length) await writeSelectedArrow(path.join(tmp, 'selected.arrow'), chosen.embeddings, rows, { encoder: shards[0].encoder, db: `twindb-sample:${targetSource.db}` });
    await writeNeighborsArrow(path.join(tmp, 'neighbors.arrow'), truncateNeighborLists(found.lists, Math.max(k, 1)), target.ids, idOf);
    await writeUncoveredCsv(path.join(tmp, 'uncovered-targets.csv'), [...uncovered]);
    if (o.materialize !== 'none') {
      const m = await materializeImages(path.join(tmp, 'images'), rows, o.materialize, o.poolDb);
      report.materialized = { how: o.materialize, ...m };
    }
    await fs.writeFile(path.join(tmp, 'report.json'), `${JSON.stringify(report, jsonSafe, 2)}\n`);
    if (inputs.outExists) await fs.rm(out, { recursive: true, force: true });
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value && typeof value === 'object' && 'batches' in (value as object)) return (value as FeatureSource).name;
  return value;
}
