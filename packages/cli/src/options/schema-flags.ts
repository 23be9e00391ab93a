import { Option, type Command } from 'commander';
import { UsageError } from '@twindb/core-tensors';
import type { z } from 'zod';

/** How one schema key appears on the command line; everything else comes from the schema. */
export interface FlagSpec {
  /** Long flag without the dashes (default: the key in kebab-case, `maxDistance` → `max-distance`). */
  flag?: string;
  /** One-letter short flag, e.g. `k` → `-k`. */
  short?: string;
  /** Other spellings accepted as they are (the seed scripts' `nn_factor`); hidden from help. */
  aliases?: readonly string[];
  /** Placeholder in help (default: derived from the type). */
  valueName?: string;
  /** Text → the schema's input, for keys that are objects (e.g. `--shard 3/8`); throw to reject. */
  parse?: (text: string) => unknown;
  /** Not a flag: the command fills it (e.g. from a config file) or it is library-only. */
  hidden?: boolean;
  /** A list of numbers also given as separate words (`--nn_factor 5 10`, as argparse's nargs='+'); commas still work. */
  variadic?: boolean;
}

export type FlagTable<Shape> = { readonly [K in keyof Shape]?: FlagSpec };

type Kind = 'number' | 'integer' | 'string' | 'boolean' | 'enum' | 'strings' | 'numbers' | 'object';

/** What the CLI needs to know of one schema field, read from the schema itself. */
export interface FieldInfo {
  key: string;
  kind: Kind;
  required: boolean;
  defaultValue: unknown;
  description: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** The lower bound itself is not allowed (`z.number().positive()`). */
  minExclusive?: boolean;
  /** For lists of numbers: what each element must be (its kind and bounds). */
  element?: FieldInfo;
}

interface ZodLike {
  def: {
    type: string;
    innerType?: ZodLike;
    defaultValue?: unknown;
    element?: ZodLike;
    options?: ZodLike[];
    entries?: Record<string, string>;
    checks?: Array<{ _zod: { def: { check: string; inclusive?: boolean } } }>;
  };
  description?: string;
  isInt?: boolean;
  minValue?: number | null;
  maxValue?: number | null;
  options?: readonly string[];
}

/** Reads a field's kind, default, bounds and description from its zod schema. */
export function fieldInfo(key: string, schema: z.ZodType): FieldInfo {
  let s = schema as unknown as ZodLike;
  const description = s.description ?? '';
  let required = true;
  let defaultValue: unknown;
  for (;;) {
    const t = s.def.type;
    if (t === 'default') {
      required = false;
      defaultValue = s.def.defaultValue;
    } else if (t === 'optional' || t === 'nullable') {
      required = false;
    } else break;
    s = s.def.innerType!;
  }
  const base = { key, required, defaultValue, description: description || (s.description ?? '') };
  switch (s.def.type) {
    case 'number': {
      const finite = (v: number | null | undefined) => (v !== null && v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
      const minExclusive = (s.def.checks ?? []).some((c) => c._zod.def.check === 'greater_than' && c._zod.def.inclusive === false);
      return { ...base, kind: s.isInt ? 'integer' : 'number', min: finite(s.minValue), max: finite(s.maxValue), minExclusive };
    }
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'enum':
      return { ...base, kind: 'enum', choices: s.options ?? Object.values(s.def.entries ?? {}) };
    case 'array': {
      const el = s.def.element!;
      if (el.def.type !== 'number') return { ...base, kind: 'strings' };
      return { ...base, kind: 'numbers', element: fieldInfo(key, el as unknown as z.ZodType) };
    }
    case 'tuple':
      return { ...base, kind: 'numbers' };
    case 'object':
      return { ...base, kind: 'object' };
    default:
      // strings, and unions of a string with an in-memory value (a feature source)
      return { ...base, kind: 'string' };
  }
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string) => flag.replace(/^no-/, '').replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** `≥ 1`, `in [0, 2]`, … for help and errors. */
function range(f: FieldInfo): string {
  if (f.min !== undefined && f.max !== undefined) return ` in ${f.minExclusive ? '(' : '['}${f.min}, ${f.max}]`;
  if (f.min !== undefined) return ` ${f.minExclusive ? '>' : '≥'} ${f.min}`;
  if (f.max !== undefined) return ` ≤ ${f.max}`;
  return '';
}

/** What a field expects, in words: `a whole number ≥ 1`, `one of union, quota, match`, … */
export function expectation(f: FieldInfo): string {
  switch (f.kind) {
    case 'integer':
      return `a whole number${range(f)}`;
    case 'number':
      return `a number${range(f)}`;
    case 'enum':
      return `one of ${f.choices!.join(', ')}`;
    case 'numbers':
      return 'comma-separated numbers';
    case 'boolean':
      return 'true or false';
    default:
      return 'a value';
  }
}

/** One flag spelling registered on the command: the schema key it sets and its commander attribute. */
interface Spelling {
  key: string;
  flag: string;
  attribute: string;
}

/**
 * The flags of a command, generated from its options schema: each key becomes `--kebab-case` (plus
 * the spellings of {@link FlagTable}), with the schema's description, default, choices and bounds in
 * `--help`, required keys marked, and {@link SchemaFlags.parse} turning what commander collected into
 * the schema's output or one {@link UsageError} naming the flags as the user typed them.
 */
export class SchemaFlags<S extends z.ZodObject> {
  private readonly fields: FieldInfo[];
  private readonly spellings: Spelling[] = [];

  constructor(
    readonly schema: S,
    private readonly table: FlagTable<S['shape']> = {},
  ) {
    this.fields = Object.entries(schema.shape as Record<string, z.ZodType>)
      .filter(([key]) => !this.spec(key).hidden)
      .map(([key, field]) => fieldInfo(key, field));
  }

  private spec(key: string): FlagSpec {
    return (this.table as Record<string, FlagSpec | undefined>)[key] ?? {};
  }

  /** Adds every flag to `cmd`; seed aliases are accepted but hidden from help. */
  register(cmd: Command): Command {
    for (const f of this.fields) {
      const spec = this.spec(f.key);
      const flag = spec.flag ?? kebab(f.key);
      const main = this.option(f, flag, spec, false);
      cmd.addOption(main);
      this.spellings.push({ key: f.key, flag: `--${flag.replace(/^no-/, '')}`, attribute: main.attributeName() });
      for (const alias of spec.aliases ?? []) {
        const opt = this.option(f, alias, spec, true);
        cmd.addOption(opt);
        this.spellings.push({ key: f.key, flag: `--${alias}`, attribute: opt.attributeName() });
      }
    }
    return cmd;
  }

  private option(f: FieldInfo, flag: string, spec: FlagSpec, alias: boolean): Option {
    const short = !alias && spec.short ? `-${spec.short}, ` : '';
    const value =
      spec.valueName ?? (f.kind === 'strings' ? 'values...' : f.kind === 'numbers' ? (spec.variadic ? 'n...' : 'n1,n2,...') : f.kind === 'integer' ? 'n' : f.kind === 'number' ? 'x' : 'value');
    const negated = f.kind === 'boolean' && f.defaultValue === true;
    const name = f.kind === 'boolean' ? `${short}--${negated && !flag.startsWith('no-') ? `no-${flag}` : flag}` : `${short}--${flag} <${value}>`;
    const notes: string[] = [];
    if (negated) notes.push(`on by default; --${flag.startsWith('no-') ? flag : `no-${flag}`} turns it off`);
    if (f.required) notes.push('required');
    if (f.defaultValue !== undefined && f.kind !== 'boolean') notes.push(`default: ${JSON.stringify(f.defaultValue)}`);
    if ((f.kind === 'integer' || f.kind === 'number') && range(f)) notes.push(`${f.kind === 'integer' ? 'whole number' : 'number'}${range(f)}`);
    const description = alias ? `alias of --${kebab(f.key)}` : `${f.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    const opt = new Option(name, description);
    // Commander's own default would hide whether the user typed the flag; zod applies the defaults.
    if (f.kind === 'enum') opt.choices(f.choices!);
    // The attribute is per spelling, so that parse() knows which one the user typed.
    if (alias || flag !== kebab(f.key)) opt.attributeName = () => `${camel(flag)}__${alias ? 'alias' : 'flag'}`;
    if (alias) opt.hideHelp();
    return opt;
  }

  /** The schema's output for what commander collected (`cmd.opts()`), or one UsageError naming the flags. */
  parse(raw: Record<string, unknown>, extra: Record<string, unknown> = {}): z.output<S> {
    const input: Record<string, unknown> = { ...extra };
    const typed = new Map<string, string>();
    const text = new Map<string, unknown>();
    const problems: string[] = [];
    for (const f of this.fields) {
      const given = this.spellings.filter((s) => s.key === f.key && raw[s.attribute] !== undefined);
      // A negated boolean (`--no-l2`) is always set by commander; it is "typed" only when false.
      const chosen = given.find((s) => !(f.kind === 'boolean' && f.defaultValue === true && raw[s.attribute] === true)) ?? undefined;
      if (!chosen) continue;
      if (given.length > 1 && f.kind !== 'boolean') {
        problems.push(`${given.map((g) => g.flag).join(' and ')} set the same option; give one`);
        continue;
      }
      typed.set(f.key, chosen.flag);
      const value = raw[chosen.attribute];
      text.set(f.key, value);
      try {
        input[f.key] = this.convert(f, value);
      } catch (err) {
        problems.push(`${chosen.flag}${(err as Error).message}`);
      }
    }
    if (problems.length === 0) {
      const r = this.schema.safeParse(input);
      if (r.success) return r.data;
      for (const issue of r.error.issues) {
        const key = String(issue.path[0] ?? '');
        const f = this.fields.find((x) => x.key === key);
        if (!f) {
          problems.push(`${issue.path.join('.') || 'options'}: ${issue.message}`);
          continue;
        }
        const flag = typed.get(key) ?? `--${this.spec(key).flag ?? kebab(key)}`;
        if (!text.has(key) && input[key] === undefined) {
          const others = (this.spec(key).aliases ?? []).map((a) => `--${a}`);
          problems.push(`${flag} is required${others.length ? ` (or ${others.join(', ')})` : ''}`);
          continue;
        }
        const got = text.has(key) ? text.get(key) : input[key];
        // One element of a list out of bounds: name the element and what each must be.
        if (f.element && typeof issue.path[1] === 'number' && Array.isArray(input[key])) {
          problems.push(`${flag} must be ${expectation(f.element)}, got ${String((input[key] as unknown[])[issue.path[1]])}`);
          continue;
        }
        const bounds = issue.code === 'invalid_type' || issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_value';
        const what = bounds && f.kind !== 'strings' && f.kind !== 'string' && f.kind !== 'object' ? `must be ${expectation(f)}` : issue.message;
        problems.push(`${flag} ${what}, got ${Array.isArray(got) ? got.join(' ') : String(got)}`);
      }
    }
    throw new UsageError(problems.join('; '));
  }

  /** Text → the schema's input; a thrown message continues the flag's name (`--k` + ` must be …`). */
  private convert(f: FieldInfo, value: unknown): unknown {
    const spec = this.spec(f.key);
    if (spec.parse) {
      try {
        return spec.parse(String(value));
      } catch (err) {
        const why = (err as Error).message.replace(/^[^:]*: /, '');
        throw new Error(`: ${why}${why.includes(String(value)) ? '' : `, got ${JSON.stringify(String(value))}`}`);
      }
    }
    const num = (t: string) => {
      const n = Number(t.trim());
      if (t.trim() === '' || !Number.isFinite(n)) throw new Error(` must be ${expectation(f)}, got ${t}`);
      return n;
    };
    switch (f.kind) {
      case 'number':
      case 'integer':
        return num(String(value));
      case 'numbers': {
        // A variadic flag collects words (`--nn_factor 5 10`); each may still hold commas.
        const words = (Array.isArray(value) ? value.map(String) : [String(value)]).flatMap((w) => w.split(','));
        const parts = words.map((t) => Number(t.trim()));
        if (parts.some((x, i) => !Number.isFinite(x) || words[i].trim() === '')) {
          throw new Error(`: expected ${spec.variadic ? 'numbers' : 'comma-separated numbers'}, got ${JSON.stringify(Array.isArray(value) ? value.join(' ') : String(value))}`);
        }
        return parts;
      }
      case 'strings':
        return Array.isArray(value) ? value : [value];
      default:
        return value;
    }
  }

  /** The spellings the user typed (`--nn_factor`, `--k`, …), in registration order. */
  typed(raw: Record<string, unknown>): string[] {
    return this.spellings.filter((s) => raw[s.attribute] !== undefined).map((s) => s.flag);
  }

  /** The help text lines of the schema's defaults, for commands that document them elsewhere. */
  get infos(): readonly FieldInfo[] {
    return this.fields;
  }
}
