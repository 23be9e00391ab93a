import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'twindb-packed-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) =>
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

/**
 * The design card's "import a single package into another tool", proven outside the monorepo:
 * @twindb/core-tensors and @twindb/nn-sampler are packed as npm would publish them, installed into
 * a scratch project from the tarballs and the local npm cache only (no network), and used from
 * plain Node: no tsx, no source condition, only the compiled dist/.
 */
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/**
 * The consumer's package-lock.json, cut from the workspace's: the tarballs for the two packages and,
 * for everything they need (transitively, by Node's resolution over the lock's paths), the exact
 * versions and integrities the workspace installed. With it, \`npm ci --offline\` needs only the
 * npm cache that the workspace's own \`npm ci\` filled: no registry metadata, no network.
 */
function consumerLock(tarballs: Record<string, string>): unknown {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const all = lock.packages;
  const workspaceDir = (name: string) => `packages/${name.replace('@twindb/', '')}`;
  const resolveFrom = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (all[candidate] && !all[candidate].link) return candidate;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i >= 0 ? base.slice(0, i) : '';
    }
  };
  const consumerPath = (key: string) => key.replace(/^packages\/([a-z-]+)\//, 'node_modules/@twindb/$1/');
  const out: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: Object.fromEntries(Object.entries(tarballs).map(([n, t]) => [n, `file:${t}`])) },
  };
  const queue = Object.keys(tarballs).map((n) => workspaceDir(n));
  const seen = new Set<string>();
  for (const name of Object.keys(tarballs)) {
    const { dependencies, peerDependencies, peerDependenciesMeta, version } = all[workspaceDir(name)];
    out[`node_modules/${name}`] = { version, resolved: `file:${tarballs[name]}`, dependencies, peerDependencies, peerDependenciesMeta };
  }
  while (queue.length) {
    const from = queue.pop()!;
    const e = all[from];
    const peers = Object.keys(e.peerDependencies ?? {}).filter((d) => !e.peerDependenciesMeta?.[d]?.optional);
    for (const dep of [...Object.keys(e.dependencies ?? {}), ...Object.keys(e.optionalDependencies ?? {}), ...peers]) {
      if (dep in tarballs) continue;
      const at = resolveFrom(from, dep);
      if (!at || seen.has(at)) continue;
      seen.add(at);
      out[consumerPath(at)] = all[at];
      queue.push(at);
    }
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages: out };
}

describe('the packed packages work outside the workspace', () => {
  it('installs from tarballs and runs a tiny runSample on in-memory vectors', () => {
    // dist/ is what a tarball ships: bring it up to date (incremental, fast when it already is).
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'packages/nn-sampler/tsconfig.build.json'], { cwd: repoRoot, timeout: 300_000 });
    const project = path.join(scratch, 'consumer');
    mkdirSync(project, { recursive: true });
    const tarballs: Record<string, string> = {};
    for (const p of ['core-tensors', 'nn-sampler']) {
      tarballs[`@twindb/${p}`] = npm(['pack', '--silent', '--pack-destination', project], path.join(repoRoot, 'packages', p)).trim().split('\n').pop()!;
    }
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: Object.fromEntries(Object.entries(tarballs).map(([n, t]) => [n, `file:${t}`])) }),
    );
    writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(consumerLock(tarballs), null, 2));
    // --ignore-scripts: ORT's install script would fetch CUDA files, and native builds (hnswlib-node)
    // are not needed for an exact search.
    writeFileSync(path.join(project, '.npmrc'), 'fund=false\naudit=false\n');
    npm(['ci', '--offline', '--ignore-scripts'], project);
    expect(readdirSync(path.join(project, 'node_modules/@twindb')).sort()).toEqual(['core-tensors', 'nn-sampler']);

    const script = `
      import { runSample, memoryFeatureSource } from '@twindb/nn-sampler';
      import { Rng } from '@twindb/core-tensors';
      const rng = new Rng(1), dim = 8;
      const vectors = (n, shift) => Float32Array.from({ length: n * dim }, (_, i) => rng.normal() + (i % dim === 0 ? shift : 0));
      const target = memoryFeatureSource({ name: 'target', embeddings: vectors(20, 4), dim, encoder: 'e' });
      const pool = memoryFeatureSource({ name: 'pool', embeddings: vectors(200, 0), dim, encoder: 'e' });
      const r = await runSample({ target, pool: [pool], out: process.argv[2], mode: 'union', k: 3, reportSamples: 20 }, { log: () => {} });
      console.log(JSON.stringify({ selected: r.report.sizes.selected, covered: r.report.coverage.covered }));
    `;
    writeFileSync(path.join(project, 'use.mjs'), script);
    const run = spawnSync(process.execPath, ['use.mjs', path.join(project, 'newdb')], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    // stderr carries the backend's choice (initBackend's log); an error would show there too.
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { selected: number; covered: number };
    expect(result.covered).toBe(20);
    expect(result.selected).toBeGreaterThanOrEqual(3);
    expect(result.selected).toBeLessThanOrEqual(60);
  }, 600_000);
});
