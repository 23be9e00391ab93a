#!/usr/bin/env node
// Sums the per-project Vitest JSON reports (.test-results/*.json) into one closing line:
// "N passed, N failed, N skipped". Exits non-zero when a test failed or no test ran.
import { readdirSync, readFileSync, existsSync } from 'node:fs';

const dir = new URL('../../.test-results/', import.meta.url);
let passed = 0;
let failed = 0;
let skipped = 0;
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const f of files) {
  const r = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
const allowEmpty = process.argv.includes("--allow-empty");
process.exit(failed > 0 || (passed === 0 && !allowEmpty) ? 1 : 0);
