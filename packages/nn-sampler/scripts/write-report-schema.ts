/**
 * Writes packages/nn-sampler/report.schema.json, the JSON Schema of report.json, from its zod
 * schema (src/report/report-schema.ts). Run after changing the schema: `npm run schema -w @twindb/nn-sampler`;
 * src/report/report-schema.test.ts fails while the shipped file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportJsonSchemaText } from '../src/report/report-schema.js';

const file = fileURLToPath(new URL('../report.schema.json', import.meta.url));
writeFileSync(file, reportJsonSchemaText());
process.stdout.write(`wrote ${file}\n`);
