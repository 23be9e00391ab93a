import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, Terminal } from '@twindb/core-tensors';
import { runPretext } from '@twindb/pretext';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/program.js';
import { runTwindbExit as twindb } from './run-twindb.js';
import { TINY_PRETEXT_CONFIG } from './tiny-pretext-config.js';

/** Two small feature CSVs (path,f0..f3) for `twindb sample`. */
function inputs(): { target: string; pool: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-verbosity-'));
  const rng = new Rng(4);
  const write = (file: string, n: number, prefix: string) => {
    const lines = ['path,f0,f1,f2,f3'];
    for (let i = 0; i < n; i++) lines.push([`${prefix}/${i}.png`, ...[0, 1, 2, 3].map((d) => ((d === i % 3 ? 1 : 0) + 0.2 * rng.normal()).toFixed(5))].join(','));
    writeFileSync(file, `${lines.join('\n')}\n`);
  };
  write(path.join(dir, 'target.csv'), 12, 't');
  write(path.join(dir, 'pool.csv'), 90, 'p');
  return { target: path.join(dir, 'target.csv'), pool: path.join(dir, 'pool.csv'), dir };
}

describe('--quiet and --verbose', () => {
  it('normal: status lines and the search progress on stderr; --quiet: nothing but the result on stdout; --verbose: also the options', async () => {
    const f = inputs();
    const args = (out: string) => ['sample', '--target', f.target, '--pool', f.pool, '--out', path.join(f.dir, out), '--mode', 'union', '-k', '2', '--json'];
    const normal = await twindb(...args('a'));
    expect(normal.code, normal.err).toBe(0);
    expect(normal.err).toContain('searching 90 pool rows for 12 targets');
    expect(normal.err).toMatch(/^search 90\/90 \(100\.0%\) · .* rows\/s · .* done$/m);
    expect(normal.err).not.toContain('options {');

    const quiet = await twindb(...args('b'), '--quiet');
    expect(quiet.code, quiet.err).toBe(0);
    expect(quiet.err).toBe('');
    expect(JSON.parse(quiet.out).sizes.target).toBe(12);
    // also before the command name (a program option)
    const quiet2 = await twindb('-q', ...args('c'));
    expect(quiet2.code, quiet2.err).toBe(0);
    expect(quiet2.err).toBe('');

    const verbose = await twindb(...args('d'), '--verbose');
    expect(verbose.code, verbose.err).toBe(0);
    const optionsLine = verbose.err.split('\n').find((l) => l.startsWith('twindb sample: options {'));
    expect(JSON.parse(optionsLine!.slice('twindb sample: options '.length))).toMatchObject({ mode: 'union', k: '2', verbose: true });
    expect(verbose.err).toContain('searching 90 pool rows');
  });

  it('a warning and an error still show under --quiet; --quiet with --verbose is a usage error', async () => {
    const f = inputs();
    // a coverage guard failure: a warning, then exit 4 with the error line
    const r = await twindb('sample', '--target', f.target, '--pool', f.pool, '--out', path.join(f.dir, 'g'), '--max-distance', '0.0001', '--min-coverage', '0.9', '--quiet');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/^warning: coverage .* is below --min-coverage/m);
    expect(r.err).toMatch(/^twindb: coverage /m);
    expect(r.err).not.toContain('searching');
    const both = await twindb('sample', '--quiet', '--verbose');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/option '-q, --quiet' cannot be used with option '-v, --verbose'/);
  });

  it('every command lists --quiet and --verbose in its help', () => {
    const program = createProgram();
    for (const cmd of [program, ...program.commands]) {
      const help = cmd.helpInformation();
      expect(help, cmd.name()).toContain('-q, --quiet');
      expect(help, cmd.name()).toContain('-v, --verbose');
    }
  });

  it('on a terminal, the SimCLR epochs are a bar redrawn in place (the step context\'s progress), not lines', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-pretext-tty-'));
    writeFileSync(path.join(dir, 'simclr.yml'), TINY_PRETEXT_CONFIG);
    let out = '';
    const terminal = new Terminal({ stream: { write: (t: string) => (out += t), isTTY: true, columns: 160 } });
    await runPretext({ configExp: path.join(dir, 'simclr.yml'), out: path.join(dir, 'run'), backend: 'cpu' }, terminal.context());
    expect(out.replaceAll('\r\x1b[2K', '<CLR>')).toMatch(/<CLR>\[█+\] epoch 1\/1 32\/32 \(100\.0%\) · .* img\/s · .* done · loss /);
    // no epoch progress printed as a plain line of its own
    expect(out.split('\n').some((l) => /^epoch 1\/1 \d+\/32/.test(l))).toBe(false);
  }, 120_000);
});
