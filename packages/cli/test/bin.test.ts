import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
