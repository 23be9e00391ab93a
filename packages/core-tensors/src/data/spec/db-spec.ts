import { z } from 'zod';
import { formatZodIssues, byKeyPath } from '../../errors/format-zod-issues.js';
import { UsageError } from '../../errors/twindb-error.js';
import { formatClassList, parseClassList } from './class-filter.js';

/**
 * Where a DB comes from, as the CLI string (`folder:/data/pool`, `mnist:heldout?classes=0-4&n=500`,
 * `cifar10:/data/cifar-10-batches-bin?split=test`, `voc:/data/svkpi?set=ImageSets/Main/train.txt`) or as the equivalent YAML/JSON object
 * (`{source: mnist, split: heldout, classes: [0,1,2,3,4], n: 500}`). Both parse to one DbSpec.
 */
const selection = {
  /** Keep only these classes (label ids, or class names for named labels). */
  classes: z.array(z.union([z.number().int().nonnegative(), z.string().min(1)])).nonempty().optional(),
  /** Keep a seeded random subset of this many records (after the class filter), in source order. */
  n: z.number().int().positive().optional(),
  /** Seed of the subset choice. */
  seed: z.number().int().optional(),
};

const path = z.string().min(1);

export const DbSpecSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('folder'), path, labels: z.enum(['none', 'from-subfolders']).default('none'), ...selection }).strict(),
  z.object({ source: z.literal('list'), path, ...selection }).strict(),
  z.object({ source: z.literal('mnist'), split: z.enum(['pool', 'heldout', 'all']).default('all'), ...selection }).strict(),
  z.object({ source: z.literal('cifar10'), path, split: z.enum(['train', 'test']).default('train'), ...selection }).strict(),
  z.object({ source: z.literal('cifar100'), path, split: z.enum(['train', 'test']).default('train'), ...selection }).strict(),
  z.object({ source: z.literal('cifar100-20'), path, split: z.enum(['train', 'test']).default('train'), ...selection }).strict(),
  z
    .object({
      source: z.literal('stl10'),
      path,
      split: z.enum(['train', 'test', 'unlabeled', 'train+unlabeled']).default('train'),
      ...selection,
    })
    .strict(),
  z
    .object({
      source: z.literal('voc'),
      path,
      set: z
        .string()
        .min(1)
        .optional()
        .describe('Image-set list (e.g. ImageSets/Main/train.txt), relative to the root or absolute; default: every image of JPEGImages/'),
      n: selection.n,
      seed: selection.seed,
    })
    .strict()
    .describe('Pascal-VOC layout: JPEGImages/<name>.jpg|png, with Annotations/<name>.xml giving object classes and metadata'),
]);

export type DbSpec = z.output<typeof DbSpecSchema>;
export type DbSpecInput = z.input<typeof DbSpecSchema>;
export type DbSourceKind = DbSpec['source'];

export const DB_SOURCE_KINDS: readonly DbSourceKind[] = ['folder', 'list', 'mnist', 'cifar10', 'cifar100', 'cifar100-20', 'stl10', 'voc'];

const QUERY_KEYS: Record<DbSourceKind, readonly string[]> = {
  folder: ['labels', 'classes', 'n', 'seed'],
  list: ['classes', 'n', 'seed'],
  mnist: ['classes', 'n', 'seed'],
  cifar10: ['split', 'classes', 'n', 'seed'],
  cifar100: ['split', 'classes', 'n', 'seed'],
  'cifar100-20': ['split', 'classes', 'n', 'seed'],
  stl10: ['split', 'classes', 'n', 'seed'],
  voc: ['set', 'n', 'seed'],
};

/** Parses a DB spec given as a CLI string or as an object (from YAML or JSON). */
export function parseDbSpec(input: string | unknown): DbSpec {
  const obj = typeof input === 'string' ? specStringToObject(input) : input;
  const parsed = DbSpecSchema.safeParse(obj);
  if (!parsed.success) {
    const where = typeof input === 'string' ? `DB spec "${input}"` : 'DB spec object';
    throw new UsageError(`${where}: ${formatZodIssues(parsed.error.issues, byKeyPath)}`);
  }
  return parsed.data;
}

function specStringToObject(spec: string): Record<string, unknown> {
  const colon = spec.indexOf(':');
  const scheme = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  if (!(DB_SOURCE_KINDS as readonly string[]).includes(scheme)) {
    throw new Error(
      `DB spec "${spec}": unknown source "${scheme}" (expected one of ${DB_SOURCE_KINDS.map((k) => `${k}:`).join(', ')})`,
    );
  }
  const kind = scheme as DbSourceKind;
  let rest = colon < 0 ? '' : spec.slice(colon + 1);
  const query: Record<string, string> = {};
  // The query is the part after the last "?" only if it is made of known keys, so that a path that
  // happens to contain "?" still works.
  const q = rest.lastIndexOf('?');
  if (q >= 0) {
    const pairs = rest.slice(q + 1).split('&').filter((p) => p !== '');
    const parsed = pairs.map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, ''] : [p.slice(0, eq), decodeURIComponent(p.slice(eq + 1))];
    });
    const allKnown = parsed.length > 0 && parsed.every(([k]) => QUERY_KEYS[kind].includes(k));
    if (allKnown) {
      for (const [k, v] of parsed) query[k] = v;
      rest = rest.slice(0, q);
    } else if (kind === 'mnist') {
      const bad = parsed.find(([k]) => !QUERY_KEYS[kind].includes(k));
      throw new Error(`DB spec "${spec}": unknown option "${bad?.[0] ?? ''}" (expected ${QUERY_KEYS[kind].join(', ')})`);
    }
  }
  const obj: Record<string, unknown> = { source: kind };
  if (kind === 'mnist') {
    if (rest !== '') obj.split = rest;
  } else if (rest !== '') {
    obj.path = rest;
  }
  for (const [k, v] of Object.entries(query)) {
    if (k === 'classes') obj.classes = parseClassList(v, `DB spec "${spec}"`);
    else if (k === 'n' || k === 'seed') {
      if (!/^-?\d+$/.test(v)) throw new Error(`DB spec "${spec}": ${k}=${v} is not an integer`);
      obj[k] = Number(v);
    } else obj[k] = v;
  }
  return obj;
}

/** The canonical CLI string of a spec (defaults omitted); parseDbSpec(formatDbSpec(s)) equals s. */
export function formatDbSpec(spec: DbSpec): string {
  const query: string[] = [];
  let head: string;
  if (spec.source === 'mnist') {
    head = `mnist:${spec.split}`;
  } else {
    head = `${spec.source}:${spec.path}`;
    if ('split' in spec && spec.split !== 'train') query.push(`split=${spec.split}`);
    if (spec.source === 'folder' && spec.labels !== 'none') query.push(`labels=${spec.labels}`);
    if (spec.source === 'voc' && spec.set !== undefined) query.push(`set=${encodeURIComponent(spec.set).replace(/%2F/g, '/')}`);
  }
  if ('classes' in spec && spec.classes) query.push(`classes=${encodeURIComponent(formatClassList(spec.classes)).replace(/%2C/g, ',')}`);
  if (spec.n !== undefined) query.push(`n=${spec.n}`);
  if (spec.seed !== undefined) query.push(`seed=${spec.seed}`);
  return query.length ? `${head}?${query.join('&')}` : head;
}
