import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

describe("the repository's npm configuration", () => {
  it('npm reads the project config without a warning (no unknown .npmrc key)', () => {
    expect(read('.npmrc')).not.toMatch(/onnxruntime/);
    const r = spawnSync('npm', ['config', 'get', 'fund'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('false');
    expect(r.stderr).not.toMatch(/npm warn/i);
  });

  it("denies onnxruntime-node's install script (the CUDA download) and covers every other install script of the lockfile", () => {
    const pkg = JSON.parse(read('package.json')) as { allowScripts?: Record<string, boolean> };
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean; link?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([at, e]) => e.hasInstallScript && !e.link && at.includes('node_modules/'))
      .map(([at]) => at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('onnxruntime-node');
    const uncovered = [...new Set(withScripts)].filter((name) => pkg.allowScripts?.[name] === undefined);
    expect(uncovered).toEqual([]);
  });
});
