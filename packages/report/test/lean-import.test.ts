import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Fails the import of any module under @tensorflow/ or onnxruntime-node (as nn-sampler/test/lean-import.test.ts). */
const HOOK = `
export async function resolve(specifier, context, next) {
  if (/^(@tensorflow\\/|onnxruntime-node)/.test(specifier)) throw new Error('HEAVY MODULE LOADED: ' + specifier);
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));`;

describe('importing @twindb/report is lean', () => {
  it('loads neither tfjs nor ONNX Runtime: the report reads files, it runs no model', () => {
    const r = spawnSync(
      process.execPath,
      ['--conditions=@twindb/source', '--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '-e', "await import('@twindb/report'); console.log('imported');"],
      { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).not.toMatch(/HEAVY MODULE LOADED/);
    expect(r.stdout).toContain('imported');
    expect(r.status).toBe(0);
  });
});
