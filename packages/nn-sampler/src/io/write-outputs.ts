import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FeatureWriter, formatCsvField } from '@twindb/core-tensors';
import { Field, Float32, List, Table, Utf8, vectorFromArray, tableToIPC } from 'apache-arrow';
import type { EmbeddingMatrix } from '../embedding-matrix.js';
import type { RowAnnotation } from '../report/annotation-mix.js';
import type { NeighborLists } from '../search/neighbor-lists.js';

/** One output row of selected.csv. */
export interface SelectedRow {
  id: string;
  path: string | null;
  label: number | null;
  weight: number;
  closestTarget: string;
  distance: number;
  hits: number;
  /** The pool row's annotation (object classes, metadata), for selected.arrow; null or absent = none. */
  annotation?: RowAnnotation | null;
}



export async function writeSelectedCsv(file: string, rows: readonly SelectedRow[]): Promise<void> {
  const lines = ['id,path,label,weight,closest_target,distance,hits'];
  for (const r of rows) {
    lines.push([r.id, r.path, r.label, r.weight.toPrecision(9), r.closestTarget, r.distance.toPrecision(7), r.hits].map(formatCsvField).join(','));
  }
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}

export async function writeUncoveredCsv(file: string, rows: readonly { id: string; nearestDistance: number; nearestId: string | null }[]): Promise<void> {
  const lines = ['target_id,nearest_distance,nearest_pool_id'];
  for (const r of rows) lines.push([r.id, Number.isFinite(r.nearestDistance) ? r.nearestDistance.toPrecision(7) : '', r.nearestId].map(formatCsvField).join(','));
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}

/** removed-targets.csv: each removed target, the target it duplicates (greedy: the most similar kept one; fork: the one that marked it) and their cosine similarity. */
export async function writeRemovedTargetsCsv(
  file: string,
  d: { allIds: readonly string[]; removed: readonly { row: number; by: number; similarity: number }[] },
): Promise<void> {
  const lines = ['target_id,duplicate_of,similarity'];
  for (const r of d.removed) lines.push([d.allIds[r.row], d.allIds[r.by], r.similarity.toPrecision(7)].map(formatCsvField).join(','));
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}

/**
 * selected.arrow: a twindb feature file, so SCAN can train on the selection without re-extraction;
 * with `annotations` (an annotated pool), it keeps the pool's `labels` and `meta` columns.
 */
export async function writeSelectedArrow(
  file: string,
  m: EmbeddingMatrix,
  rows: readonly SelectedRow[],
  meta: { encoder: string; encoderSha256?: string; db: string },
  annotations = false,
): Promise<void> {
  const w = await FeatureWriter.create(
    file,
    { encoder: meta.encoder, ...(meta.encoderSha256 ? { encoderSha256: meta.encoderSha256 } : {}), dim: m.dim, normalized: true, db: meta.db },
    { annotations },
  );
  await w.appendBatch({
    ids: rows.map((r) => r.id),
    paths: rows.map((r) => r.path),
    labels: rows.map((r) => r.label),
    embeddings: m.data,
    ...(annotations ? { objects: rows.map((r) => r.annotation?.objects ?? null), meta: rows.map((r) => r.annotation?.meta ?? null) } : {}),
  });
  await w.close();
}

/** neighbors.arrow: per target its id, neighbour ids (pool) and cosine distances, nearest first. */
export async function writeNeighborsArrow(file: string, lists: NeighborLists, targetIds: readonly string[], poolIdOf: (row: number) => string): Promise<void> {
  const ids: string[][] = [];
  const dists: number[][] = [];
  for (let t = 0; t < lists.queries; t++) {
    const a: string[] = [];
    const d: number[] = [];
    for (let j = 0; j < lists.k; j++) {
      const i = lists.indices[t * lists.k + j];
      if (i < 0) break;
      a.push(poolIdOf(i));
      d.push(lists.distances[t * lists.k + j]);
    }
    ids.push(a);
    dists.push(d);
  }
  const table = new Table({
    target_id: vectorFromArray(targetIds, new Utf8()),
    neighbor_ids: vectorFromArray(ids, new List(new Field('item', new Utf8(), false))),
    distances: vectorFromArray(dists, new List(new Field('item', new Float32(), false))),
  });
  await fs.writeFile(file, tableToIPC(table, 'file'));
}

/**
 * Copies or links the selected images into `dir` under sanitised, collision-free names
 * (`<sanitised id><ext>`, `-2`, `-3`... on clashes). Rows without a path are skipped and counted.
 */
export async function materializeImages(
  dir: string,
  rows: readonly SelectedRow[],
  how: 'copy' | 'link',
  root: string | undefined,
): Promise<{ written: number; skipped: number }> {
  await fs.mkdir(dir, { recursive: true });
  const used = new Set<string>();
  let written = 0;
  let skipped = 0;
  for (const r of rows) {
    if (!r.path) {
      skipped++;
      continue;
    }
    const src = path.resolve(root ?? '.', r.path);
    const ext = path.extname(r.path).toLowerCase().replace(/[^a-z0-9.]/g, '');
    const base = ext && r.id.toLowerCase().endsWith(ext) ? r.id.slice(0, -ext.length) : r.id;
    const stem = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 120) || 'item';
    let name = `${stem}${ext}`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${stem}-${n}${ext}`;
    used.add(name.toLowerCase());
    const dst = path.join(dir, name);
    try {
      if (how === 'copy') await fs.copyFile(src, dst);
      else await fs.symlink(src, dst);
      written++;
    } catch (err) {
      throw new Error(`materialize: cannot ${how} ${src} (row id "${r.id}"): ${(err as Error).message}`);
    }
  }
  return { written, skipped };
}
