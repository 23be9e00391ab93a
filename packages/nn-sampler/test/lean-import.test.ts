import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A resolve hook that fails the import of any module under @tensorflow/ or onnxruntime-node, so an
 * entry point imports cleanly only if nothing in its static import graph loads them.
 */
const HOOK = `
export async function resolve(specifier, context, next) {
  if (/^(@tensorflow\\/|onnxruntime-node)/.test(specifier)) throw new Error('HEAVY MODULE LOADED: ' + specifier);
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));`;

/** Imports `entries` in a fresh Node process (source condition, tsx), with the hook above. */
function importFresh(entries: string[]) {
  const code = `for (const e of ${JSON.stringify(entries)}) await import(e); console.log('imported');`;
  return spawnSync(
    process.execPath,
    ['--conditions=@twindb/source', '--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '-e', code],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
}

describe('importing a step package is lean', () => {
  it('loads neither tfjs nor ONNX Runtime for @twindb/nn-sampler, the core-tensors root and /data', () => {
    const r = importFresh(['@twindb/nn-sampler', '@twindb/core-tensors', '@twindb/core-tensors/data']);
    expect(r.stderr).not.toMatch(/HEAVY MODULE LOADED/);
    expect(r.stdout).toContain('imported');
    expect(r.status).toBe(0);
  });

  it('does catch an entry point that loads tfjs (the hook works)', () => {
    const r = importFresh(['@twindb/core-tensors/nn']);
    expect(r.stderr).toMatch(/HEAVY MODULE LOADED: @tensorflow\//);
    expect(r.status).not.toBe(0);
  });
});
