import { z } from 'zod';
import { parseDbSpec } from './db-spec.js';

/** A DB given as a spec string (`mnist:pool`) or the equivalent object; validated by parseDbSpec. */
export const DbSpecInputSchema = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

/** Zod refinement: `db` parses as a DB spec, else an issue at `where`. */
export function checkDbSpec(db: unknown, where: Array<string | number>, ctx: z.RefinementCtx): void {
  if (db === undefined) return;
  try {
    parseDbSpec(db);
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: where, message: (err as Error).message });
  }
}
