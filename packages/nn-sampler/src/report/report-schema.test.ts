import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@twindb/core-tensors';
import { memoryFeatureSource } from '../search/feature-source.js';
import { runSample } from '../run-sample.js';
import { FeatureMatchSchema, ClassMixSchema, reportJsonSchemaText, SampleReportSchema } from './report-schema.js';

const shipped = fileURLToPath(new URL('../../report.schema.json', import.meta.url));
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nn-sampler-report-schema-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

interface JsonSchema {
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

/** Every property of the JSON Schema, with its key path. */
function properties(s: JsonSchema, at = ''): [string, JsonSchema][] {
  const out: [string, JsonSchema][] = [];
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push([`${at}${k}`, v], ...properties(v, `${at}${k}.`));
  for (const v of s.anyOf ?? []) out.push(...properties(v, at));
  if (s.items) out.push(...properties(s.items, `${at}[].`));
  return out;
}

function clustered(n: number, dim: number, rng: Rng, prefix: string) {
  const c = Array.from({ length: 4 * dim }, () => rng.normal());
  const e = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let j = 0; j < dim; j++) e[i * dim + j] = c[labels[i] * dim + j] + 0.3 * rng.normal();
  }
  return { e, labels, ids: Array.from({ length: n }, (_, i) => `${prefix}${i}`) };
}

describe('report.json schema', () => {
  it('report.schema.json is what the zod schema generates (npm run schema -w @twindb/nn-sampler rewrites it)', () => {
    expect(readFileSync(shipped, 'utf8')).toBe(reportJsonSchemaText());
  });

  it('documents every field; every metric says which way is better, and the MMD² that it can be slightly negative', () => {
    const all = properties(JSON.parse(reportJsonSchemaText()) as JsonSchema);
    expect(all.length).toBeGreaterThan(100);
    const undocumented = all.filter(([, s]) => !s.description?.trim()).map(([k]) => k);
    expect(undocumented).toEqual([]);
    for (const key of ['mmd2', 'frechet', 'precision', 'recall', 'klReduction']) {
      expect(FeatureMatchSchema.shape[key as keyof typeof FeatureMatchSchema.shape].description, key).toMatch(/(lower|higher) is better/i);
    }
    for (const key of ['precision', 'tv', 'tvWeighted']) {
      expect(ClassMixSchema.shape[key as keyof typeof ClassMixSchema.shape].description, key).toMatch(/(lower|higher) is better/i);
    }
    expect(FeatureMatchSchema.shape.mmd2.description).toMatch(/slightly negative when the two sets match/);
    expect(FeatureMatchSchema.shape.frechet.description).toMatch(/Unit: /);
  });

  it('validates the report.json runSample writes, in every mode; nulls read back as NaN; an unknown key is refused', async () => {
    const rng = new Rng(3);
    const dim = 12;
    const P = clustered(400, dim, rng, 'p');
    const T = clustered(40, dim, rng, 't');
    const src = (name: string, d: typeof P, labelled: boolean) => memoryFeatureSource({ name, embeddings: d.e, dim, ids: d.ids, ...(labelled ? { labels: d.labels } : {}), encoder: 'enc' });
    for (const [mode, labelled, codebook] of [
      ['union', false, 0],
      ['quota', true, 0],
      ['match', true, 8],
    ] as const) {
      const out = path.join(dir, mode);
      await runSample({ target: src('target', T, labelled), pool: [src('pool', P, labelled)], out, mode, k: 3, reportSamples: 40, codebook, minCoverage: 0, dedup: mode === 'quota' ? 0.001 : undefined });
      const json = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Record<string, unknown>;
      const r = SampleReportSchema.safeParse(json);
      expect(r.success, `${mode}: ${JSON.stringify(r.error?.issues.slice(0, 3))}`).toBe(true);
      const report = r.data!;
      expect(report.mode).toBe(mode);
      expect(report.match).not.toBeNull();
      expect(report.match!.classes === null).toBe(!labelled);
      // klReduction needs the codebook: null in the file without one, NaN once read
      expect(Number.isNaN(report.match!.selected.klReduction)).toBe(codebook === 0);
      expect(SampleReportSchema.safeParse({ ...json, surprise: 1 }).success).toBe(false);
      expect(SampleReportSchema.safeParse({ ...json, match: { ...(json.match as object), bandwidth: 'wide' } }).success).toBe(false);
    }
  });
});
