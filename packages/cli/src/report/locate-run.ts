import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '@twindb/core-tensors';
import { readJson } from './read/read-files.js';

/**
 * Where a run's outputs are. `twindb pipeline` writes `<run>/{pretext,features,newdb,scan,selflabel}`;
 * a single step's folder (`twindb sample --out newdb`, `twindb scan --out …`, a pretext run) holds
 * that step's files at its top. Each step is found by the file only it writes.
 */
export interface RunLayout {
  /** The folder given, absolute. */
  run: string;
  pretext?: string;
  newdb?: string;
  scan?: string;
  selflabel?: string;
  /** Feature files of the target and the pool (pipeline `features/`, or the ones report.json names). */
  targetFeatures?: string;
  poolFeatures: string[];
  /** The kind of folder, for the page's header. */
  kind: 'pipeline' | 'sample' | 'pretext' | 'scan' | 'selflabel' | 'mixed';
}

const MARKERS = { pretext: 'train-log.jsonl', newdb: 'report.json', scan: 'scan.summary.json', selflabel: 'selflabel.summary.json' } as const;

export async function locateRun(dir: string): Promise<RunLayout> {
  const run = path.resolve(dir);
  if (!existsSync(run) || !statSync(run).isDirectory()) throw new UsageError(`${dir}: not a folder; give a twindb run folder (twindb pipeline --out, or one step's --out)`);
  const found = (role: keyof typeof MARKERS): string | undefined => {
    for (const d of [path.join(run, role), run]) if (existsSync(path.join(d, MARKERS[role]))) return d;
    return undefined;
  };
  const layout: RunLayout = { run, pretext: found('pretext'), newdb: found('newdb'), scan: found('scan'), selflabel: found('selflabel'), poolFeatures: [], kind: 'mixed' };
  const features = path.join(run, 'features');
  if (existsSync(path.join(features, 'target.arrow'))) layout.targetFeatures = path.join(features, 'target.arrow');
  if (existsSync(path.join(features, 'pool.arrow'))) layout.poolFeatures = [path.join(features, 'pool.arrow')];
  if (layout.newdb && (!layout.targetFeatures || layout.poolFeatures.length === 0)) {
    // A lone `twindb sample` folder: report.json names its inputs as they were given.
    const r = await readJson<{ options?: { target?: unknown; pool?: unknown } }>(path.join(layout.newdb, 'report.json'));
    const resolve = (f: unknown) => (typeof f === 'string' && /\.arrow$/i.test(f) ? [f, path.resolve(layout.newdb!, '..', f), path.resolve(layout.newdb!, f)].find((c) => existsSync(c)) : undefined);
    layout.targetFeatures ??= resolve(r?.options?.target);
    if (layout.poolFeatures.length === 0 && Array.isArray(r?.options?.pool)) layout.poolFeatures = r.options.pool.map(resolve).filter((f): f is string => f !== undefined);
  }
  const roles = (['pretext', 'newdb', 'scan', 'selflabel'] as const).filter((r) => layout[r] !== undefined);
  if (roles.length === 0) {
    throw new UsageError(
      `${dir}: no twindb run output found (looked for ${Object.entries(MARKERS)
        .map(([r, f]) => `${r}/${f}`)
        .join(', ')}, or one of them at the top); give a twindb pipeline run folder or one step's output folder`,
    );
  }
  const atTop = roles.filter((r) => layout[r] === run);
  if (existsSync(path.join(run, 'newdb')) || existsSync(path.join(run, 'pretext')) || existsSync(path.join(run, 'features'))) layout.kind = 'pipeline';
  else if (atTop.length === 1) layout.kind = atTop[0] === 'newdb' ? 'sample' : atTop[0];
  return layout;
}
