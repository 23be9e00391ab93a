import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors/twindb-error.js';

/**
 * Config files (the SCAN-style YAMLs of every step): read, then validated with every problem
 * reported at once, one line per key path, naming the file. Both are usage errors (exit 2).
 */

/** Reads a YAML file; a missing or malformed file is a usage error naming it. */
export async function readYamlFile(file: string): Promise<unknown> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new UsageError(`${abs}: cannot read config (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new UsageError(`${abs}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
}

/**
 * Validates a parsed config against `schema`; every problem is reported at once as a UsageError
 * (exit 2), one line per key path, with the allowed keys for unknown ones.
 */
export function parseConfigWith<S extends z.ZodType>(schema: S, value: unknown, source: string, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${formatPath(i.path)}: ${describeIssue(i, schema)}`);
  throw new UsageError(`${source}: invalid ${what}\n${lines.join('\n')}`);
}

function formatPath(p: ReadonlyArray<PropertyKey>): string {
  if (p.length === 0) return '(root)';
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
}

function describeIssue(i: z.core.$ZodIssue, root: z.ZodType): string {
  if (i.code === 'invalid_type' && /received undefined/.test(i.message)) return `missing (expected ${i.expected})`;
  if (i.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(root, i.path);
    return `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}${allowed ? `; allowed keys: ${allowed.join(', ')}` : ''}`;
  }
  return i.message;
}

function allowedKeysAt(schema: z.ZodType, at: ReadonlyArray<PropertyKey>): string[] | undefined {
  let s: unknown = schema;
  for (let depth = 0; ; depth++) {
    while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPipe) s = s instanceof z.ZodPipe ? s.in : s.unwrap();
    if (!(s instanceof z.ZodObject)) return undefined;
    if (depth === at.length) return Object.keys(s.shape);
    s = (s.shape as Record<string, unknown>)[String(at[depth])];
  }
}
