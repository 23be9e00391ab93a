import path from 'node:path';
import { Rng } from '@twindb/core-tensors';
import { esc, fmt, thumb, type Section } from '../html/page.js';
import type { ImageRole, Thumbnails } from '../images/thumbnails.js';
import { readCsv, type TargetNeighbours } from '../read/read-files.js';

export interface NeighbourOptions {
  /** Target strips to show. */
  strips: number;
  /** Uncovered targets to show at most. */
  uncovered: number;
  seed: number;
}

/**
 * Sample targets next to their nearest pool images (those selected framed blue, the others dimmed),
 * and the targets no pool item serves within the threshold with their nearest pool image.
 */
export async function neighboursSection(dir: string | undefined, neighbours: TargetNeighbours[] | undefined, images: Thumbnails, o: NeighbourOptions): Promise<Section> {
  const s: Section = { id: 'neighbours', title: 'Neighbour strips and uncovered targets', html: '', missing: [] };
  if (!dir) {
    s.missing.push('No sample output here (newdb/): run `twindb sample` or `twindb pipeline` to see which pool images were chosen for which targets.');
    return s;
  }
  if (!images.available) s.missing.push('No image DB is known for this run (the feature files record none): strips show ids without pictures.');
  const selected = await readCsv(path.join(dir, 'selected.csv'));
  const selIds = new Set(selected ? selected.rows.map((r) => r[selected.col('id')]) : []);
  const poolPath = new Map<string, string>();
  if (selected && selected.col('path') >= 0) for (const r of selected.rows) if (r[selected.col('path')]) poolPath.set(r[selected.col('id')], r[selected.col('path')]);
  const parts: string[] = [];
  if (!neighbours?.length) {
    s.missing.push(`No ${path.join(dir, 'neighbors.arrow')}: no neighbour strips.`);
  } else {
    const rng = new Rng(o.seed);
    const order = Array.from(rng.permutation(neighbours.length)).slice(0, o.strips).sort((a, b) => a - b);
    parts.push(
      `<p class="note">${order.length} of ${neighbours.length} targets, chosen at random (seed ${o.seed}): each target (red frame), then its nearest pool images, nearest first, with their cosine distance; blue frame = in the new DB, dimmed = not selected.</p>`,
    );
    for (const t of order) {
      const n = neighbours[t];
      const cells = [thumb(await images.uri('target', n.targetId), n.targetId, 'target'), '<span class="arrow">→</span>'];
      for (let j = 0; j < n.neighbourIds.length; j++) {
        const id = n.neighbourIds[j];
        cells.push(thumb(await images.uri('pool', id, poolPath.get(id)), `${fmt(n.distances[j])}`, selIds.has(id) ? 'selected' : 'unselected'));
      }
      parts.push(`<div class="strip" data-target="${esc(n.targetId)}">${cells.join('')}</div>`);
    }
  }
  parts.push('<h3>Uncovered targets</h3>');
  const unc = await readCsv(path.join(dir, 'uncovered-targets.csv'));
  if (!unc) {
    s.missing.push(`No ${path.join(dir, 'uncovered-targets.csv')}.`);
  } else if (unc.rows.length === 0) {
    parts.push('<p class="note">Every target has a pool item within the threshold.</p>');
  } else {
    const [ti, di, ni] = ['target_id', 'nearest_distance', 'nearest_pool_id'].map((c) => unc.col(c));
    parts.push(`<p class="note">${unc.rows.length} target(s) no pool item serves; ${Math.min(o.uncovered, unc.rows.length)} shown, each next to its nearest pool image.</p>`);
    for (const r of unc.rows.slice(0, o.uncovered)) {
      const role: ImageRole = 'pool';
      const cells = [thumb(await images.uri('target', r[ti]), r[ti], 'target'), '<span class="arrow">→</span>'];
      if (r[ni]) cells.push(thumb(await images.uri(role, r[ni]), `${fmt(Number(r[di]))}`, 'unselected'));
      parts.push(`<div class="strip uncovered">${cells.join('')}</div>`);
    }
  }
  s.html = parts.join('');
  return s;
}
