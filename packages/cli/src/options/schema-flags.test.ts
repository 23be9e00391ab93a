import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Command } from 'commander';
import { runTwindbExit } from '../../test/run-twindb.js';
import { fieldInfo, SchemaFlags } from './schema-flags.js';

const twindb = runTwindbExit;

describe('flags generated from a zod schema', () => {
  it('reads kind, default, bounds and requiredness from the schema', () => {
    expect(fieldInfo('k', z.number().int().min(1).default(5).describe('neighbours'))).toMatchObject({ kind: 'integer', required: false, defaultValue: 5, min: 1, description: 'neighbours' });
    expect(fieldInfo('b', z.number().int().positive().optional())).toMatchObject({ kind: 'integer', required: false, min: 0, minExclusive: true });
    expect(fieldInfo('m', z.enum(['a', 'b']).default('a'))).toMatchObject({ kind: 'enum', choices: ['a', 'b'] });
    expect(fieldInfo('p', z.array(z.string()).min(1))).toMatchObject({ kind: 'strings', required: true });
    expect(fieldInfo('s', z.tuple([z.number(), z.number()]).optional())).toMatchObject({ kind: 'numbers', required: false });
  });

  it('prefers the spelling the user typed in errors, and refuses two spellings of one option', () => {
    const flags = new SchemaFlags(z.object({ k: z.number().int().min(1).default(5) }), { k: { aliases: ['nn_factor'] } });
    const cmd = flags.register(new Command('x').exitOverride());
    cmd.parse(['--nn_factor', '0'], { from: 'user' });
    expect(() => flags.parse(cmd.opts())).toThrow(/^--nn_factor must be a whole number ≥ 1, got 0$/);
    const both = flags.register(new Command('y').exitOverride());
    both.parse(['--k', '3', '--nn_factor', '4'], { from: 'user' });
    expect(() => new SchemaFlags(z.object({ k: z.number() }), { k: { aliases: ['nn_factor'] } }).parse(both.opts())).toThrow();
  });
});

describe('twindb sample flags', () => {
  it('shows every option with its default, marks --target and --pool required, and keeps the seed aliases out of help', async () => {
    const { code, out: wrapped } = await twindb('sample', '--help');
    expect(code).toBe(0);
    const out = wrapped.replace(/\s+/g, ' '); // help wraps lines at the terminal width
    expect(out).toMatch(/--target <file> [^()]*\(seed: --target_csv\) \(required\)/);
    expect(out).toMatch(/--pool <files\.\.\.> pool \("near DB"\)[^()]*\(seed: --near_csv\) \(required\)/);
    expect(out).toMatch(/-k, --k <n>[\s\S]*?default: 5; whole number ≥ 1/);
    expect(out).toMatch(/--mode <value>[\s\S]*?default: "match"[\s\S]*?choices: "union", "quota", "match"/);
    expect(out).toMatch(/--max-distance <d>[\s\S]*?default: 2; number in \[0, 2\]/);
    expect(out).not.toMatch(/--nn_factor <n>/); // an alias, not an option line of its own
  });

  it('exits 2 naming --nn_factor as typed when its value is not a whole number', async () => {
    const r = await twindb('sample', '--target_csv', 't.csv', '--near_csv', 'p.csv', '--save_dir', 'out', '--nn_factor', '2.5');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--nn_factor must be a whole number ≥ 1, got 2.5');
  });

  it('exits 2 for a missing required flag, an unknown flag and a bad choice', async () => {
    const missing = await twindb('sample', '--pool', 'p.arrow');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--target is required (or --target_csv)');
    expect((await twindb('sample', '--bogus')).code).toBe(2);
    expect((await twindb('sample', '--target', 't', '--pool', 'p', '--out', 'o', '--mode', 'best')).code).toBe(2);
  });

  it('exits 3 for input data it cannot use (a feature file that is not one)', async () => {
    const r = await twindb('sample', '--target', '/nonexistent/t.arrow', '--pool', '/nonexistent/p.arrow', '--out', '/tmp/twindb-exit3-never-written');
    expect(r.code).toBe(3);
    expect(r.err).toContain('/nonexistent/t.arrow');
  });
});
