import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MALLOC_TUNING_ENV } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/twindb.mjs', import.meta.url));

// Runs the real executable (built dist), as `npx twindb` does after `npm ci`.
describe('twindb executable', () => {
  it('prints help', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/Usage: twindb \[options\] \[command\]/);
  });

  it('reports the backend it chose as JSON', () => {
    const out = execFileSync(process.execPath, [bin, '--backend', 'cpu', 'backend'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(JSON.parse(out)).toMatchObject({ name: 'cpu', choice: 'cpu', forced: true });
  });

  it('keeps the conv plan where --conv-plan says (the flag beats the env; off turns it off), and refuses one that is not a plan with exit 3', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'twindb-bin-plan-'));
    const plan = path.join(dir, 'plan.json');
    const backend = (args: string[]) =>
      execFileSync(process.execPath, [bin, '--backend', 'wasm', ...args, 'backend'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TWINDB_CONV_PLAN: path.join(dir, 'from-env.json'), TWINDB_CONV_ENGINE: 'ort', TWINDB_CONV_METHOD: 'auto' },
      });
    expect(JSON.parse(backend(['--conv-plan', plan])).convPlan).toEqual({ file: plan, decisions: 0 });
    expect(JSON.parse(backend([])).convPlan).toEqual({ file: path.join(dir, 'from-env.json'), decisions: 0 });
    expect(JSON.parse(backend(['--conv-plan', 'off'])).convPlan).toBeUndefined();
    const notPlan = path.join(dir, 'notes.json');
    writeFileSync(notPlan, '{"mine": true}');
    let status = 0;
    let stderr = '';
    try {
      backend(['--conv-plan', notPlan]);
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      status = e.status;
      stderr = e.stderr.toString();
    }
    expect(status).toBe(3);
    expect(stderr).toContain(`conv plan ${notPlan}:`);
    expect(readFileSync(notPlan, 'utf8')).toBe('{"mine": true}');
  });

  it('exits non-zero with the install hint when a forced backend is missing', () => {
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [bin, '--backend', 'tensorflow-gpu', 'backend'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      status = e.status;
      stderr = e.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/@tensorflow\/tfjs-node-gpu is not installed\. Install it with: npm install @tensorflow\/tfjs-node-gpu/);
  });
});

// bin/twindb is what `npx twindb` runs (package.json "bin"): a shell launcher that sets glibc's
// malloc variables before Node starts (they are read only then) and execs bin/twindb.mjs.
describe('twindb launcher', () => {
  const launcher = fileURLToPath(new URL('../bin/twindb', import.meta.url));
  const withoutMalloc = () => {
    const env = { ...process.env };
    for (const k of Object.keys(MALLOC_TUNING_ENV)) delete env[k];
    return env;
  };
  const backendJson = (exe: string, env: NodeJS.ProcessEnv) =>
    JSON.parse(execFileSync(exe, ['--backend', 'cpu', 'backend'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }));

  it('starts the CLI through an npm-style symlink with the malloc settings set', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'twindb-bin-'));
    try {
      const link = path.join(dir, 'twindb');
      symlinkSync(launcher, link);
      const info = backendJson(link, withoutMalloc());
      expect(info).toMatchObject({ name: 'cpu', malloc: { tuned: true, env: MALLOC_TUNING_ENV } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is what npm installed as `twindb` (package.json and the lockfile name it)', () => {
    const installed = fileURLToPath(new URL('../../../node_modules/.bin/twindb', import.meta.url));
    expect(realpathSync(installed)).toBe(realpathSync(launcher));
  });

  it('keeps a value the user set', () => {
    const info = backendJson(launcher, { ...withoutMalloc(), MALLOC_MMAP_MAX_: '65536' });
    expect(info.malloc).toEqual({ tuned: false, env: { ...MALLOC_TUNING_ENV, MALLOC_MMAP_MAX_: '65536' } });
  });

  it('writes the same values as core-tensors and the bench script', () => {
    const sh = readFileSync(launcher, 'utf8');
    const bench = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')).scripts.bench as string;
    for (const [k, v] of Object.entries(MALLOC_TUNING_ENV)) {
      expect(sh).toContain(`: "\${${k}:=${v}}"`);
      expect(bench).toContain(`${k}=\${${k}:-${v}}`);
    }
  });
});
