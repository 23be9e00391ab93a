/** The three ways of turning per-target neighbour lists into a new DB. */
export type SelectionMode = 'union' | 'quota' | 'match';

/**
 * A selected subset of the pool, one entry per item (ascending pool row). `weight` is the target
 * mass the item stands for: every covered target spreads one unit over the items it selected, so
 * the weights sum to the number of covered targets and the weighted subset follows the target.
 */
export interface Selection {
  readonly mode: SelectionMode;
  readonly pool: Int32Array;
  readonly weight: Float64Array;
  /** Nearest target among those that listed the item. */
  readonly closestTarget: Int32Array;
  /** Cosine distance to that target. */
  readonly distance: Float32Array;
  /** How many targets listed the item within the threshold. */
  readonly hits: Int32Array;
  /** The target an item was assigned to (quota/match); equals closestTarget for union. */
  readonly assignedTarget: Int32Array;
  /** Per target: items it holds, how many it asked for but could not get, and whether it is covered. */
  readonly perTarget: Int32Array;
  readonly shortfall: Int32Array;
  readonly covered: Uint8Array;
  /** Mode-specific facts for the report (radius, per-target quota, regions...). */
  readonly details: Record<string, unknown>;
}

export function coveredCount(sel: Selection): number {
  let n = 0;
  for (let t = 0; t < sel.covered.length; t++) n += sel.covered[t];
  return n;
}
