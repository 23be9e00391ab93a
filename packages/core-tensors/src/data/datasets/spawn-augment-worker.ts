import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts augment-worker in the form this module was loaded in. From the built package (dist/*.js)
 * the worker is the compiled augment-worker.js. From TypeScript sources (the `@twindb/source`
 * condition under tsx, or Vitest) the worker is augment-worker.ts, which plain Node cannot load: a
 * tiny eval'd bootstrap registers tsx's ESM loader in the worker first, then imports it (on Node 20
 * a worker does not run the parent's `--import tsx`, and Vitest's transform is no loader).
 */
export function spawnAugmentWorker(options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./augment-worker.js', import.meta.url), options);
  const entry = new URL('./augment-worker.ts', import.meta.url).href;
  const api = tsxEsmApi();
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

let cachedApi: string | undefined;

/**
 * The file URL of `tsx/esm/api` in its ESM form, resolved from here (the workspace's tsx, not the
 * cwd's). require.resolve would give the CommonJS form, whose register() cannot find its hooks.
 */
function tsxEsmApi(): string {
  if (cachedApi) return cachedApi;
  try {
    const pkgJson = createRequire(import.meta.url).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
    cachedApi = new URL(pkg.exports['./esm/api'].import.default, pathToFileURL(pkgJson)).href;
    return cachedApi;
  } catch (err) {
    throw new Error(`augment workers from TypeScript sources need tsx (a workspace devDependency): ${(err as Error).message}; use the built package or workers 0`);
  }
}
