#!/usr/bin/env node
// Entry point of `npx twindb`. The compiled CLI lives in ../dist (built by `npm ci` through the root
// `prepare` script, or by `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'twindb: the CLI is not built (missing packages/cli/dist/index.js). Run `npm run build` at the repository root.\n',
  );
  process.exit(1);
}
const { run } = await import(entry.href);
process.exitCode = await run(process.argv);
