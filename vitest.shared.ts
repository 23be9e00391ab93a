import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const resultsDir = fileURLToPath(new URL('./.test-results/', import.meta.url));

/**
 * Shared Vitest settings for every package. Imports of `@twindb/<name>` resolve to that package's
 * `src/index.ts`, so tests run against source without a build and never reach into another
 * package's internals.
 */
export function packageTestConfig(name: string, opts: { timeoutMs?: number } = {}) {
  return defineConfig({
    resolve: {
      alias: [
        // `@twindb/core-tensors/nn` → packages/core-tensors/src/nn/index.ts
        { find: /^@twindb\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packagesDir}$1/src/$2/index.ts` },
        { find: /^@twindb\/([a-z-]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
      ],
    },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: opts.timeoutMs ?? 60_000,
      hookTimeout: opts.timeoutMs ?? 60_000,
      pool: 'forks',
      // Tests never read or grow the user's conv plan cache (~/.cache/twindb); the plan's own tests
      // use temp files.
      env: { TWINDB_CONV_PLAN: 'off' },
      // The JSON report lets .ci/run print one closing 'N passed, N failed' line for all projects.
      reporters: ['default', ['json', { outputFile: `${resultsDir}${name}.json` }]],
    },
  });
}
