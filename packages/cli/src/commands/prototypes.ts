import type { StepContext } from '@twindb/core-tensors';
import { writeRunPrototypes } from '@twindb/scan';

/**
 * `<out>/prototypes.png` after a scan or self-label run: the most confident images of each cluster,
 * read from `db`. A picture is a bonus, never a failure: a DB that does not hold the run's ids (or an
 * unreadable one) is logged and skipped.
 */
export async function writePrototypes(out: string, db: unknown, numClusters: number, ctx: StepContext): Promise<void> {
  try {
    const r = await writeRunPrototypes(out, db, numClusters);
    ctx.log(r ? `prototypes: ${r.file} (${r.perCluster.join('/')} images per cluster)` : `prototypes: the DB holds none of the run's ids; no picture`);
  } catch (err) {
    ctx.log(`prototypes: skipped (${(err as Error).message})`);
  }
}
