import { parseDbSpec, type DbSpec } from './db-spec.js';

/**
 * The file or folder a DB is read from (its `path`), for the output-folder checks: an output
 * inside a DB, or a DB inside an output, is refused. Undefined for a DB without one (`mnist:`) and
 * for a spec that does not parse (the step reports that itself).
 */
export function dbSpecRoot(spec: DbSpec | unknown): string | undefined {
  if (spec === undefined) return undefined;
  let s: DbSpec;
  try {
    s = parseDbSpec(spec);
  } catch {
    return undefined;
  }
  return 'path' in s ? s.path : undefined;
}
