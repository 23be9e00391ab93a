import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { FeatureWriter } from './feature-writer.js';

/*
 * Interop: a file written by twindb must be readable by an independent Arrow implementation
 * (polars, Rust arrow2/polars-arrow via nodejs-polars), so that Python users can open it too.
 * nodejs-polars ships its engine as a platform-specific optional package; when npm could not
 * install it (see the message below), the test is reported as skipped rather than silently passing;
 * TWINDB_REQUIRE_POLARS=1 turns that skip into a failure (for CI once the engine installs there).
 */
type Polars = typeof import('nodejs-polars');
const require = createRequire(import.meta.url);
let pl: Polars | null = null;
let unavailable = '';
try {
  pl = require('nodejs-polars') as Polars;
} catch (err) {
  unavailable = (err as Error).message.split('\n')[0];
  console.warn(`features-interop: nodejs-polars native engine not loadable, interop test skipped: ${unavailable}`);
}

const dir = mkdtempSync(join(tmpdir(), 'twindb-features-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const required = process.env.TWINDB_REQUIRE_POLARS === '1';

describe.skipIf(pl === null && !required)('a twindb feature file read by nodejs-polars', () => {
  it('has the same ids, paths, labels and float32 values', async () => {
    if (!pl) throw new Error(`nodejs-polars is required (TWINDB_REQUIRE_POLARS=1) but failed to load: ${unavailable}`);
    const dim = 6;
    const rows = 150;
    const rng = new Rng(11);
    const ids = Array.from({ length: rows }, (_, i) => `img-${i}-ü`);
    const paths = ids.map((id, i) => (i % 7 === 3 ? null : `pool/${id}.png`));
    const labels = ids.map((_, i) => (i % 5 === 0 ? null : rng.int(10)));
    const embeddings = new Float32Array(rows * dim).map(() => rng.normal());
    const path = join(dir, 'interop.arrow');
    const w = await FeatureWriter.create(path, { encoder: 'e', dim, normalized: false, db: 'db' }, { batchRows: 64 });
    await w.appendBatch({ ids, paths, labels, embeddings });
    await w.close();

    const df = pl.readIPC(readFileSync(path));
    expect(df.columns).toEqual(['id', 'path', 'label', 'embedding']);
    expect(df.height).toBe(rows);
    expect(df.getColumn('id').toArray()).toEqual(ids);
    expect(df.getColumn('path').toArray()).toEqual(paths);
    expect(df.getColumn('label').toArray()).toEqual(labels);
    const emb = df.getColumn('embedding').toArray() as unknown as number[][];
    const flat = new Float32Array(emb.flat());
    expect(emb.every((r) => r.length === dim)).toBe(true);
    // float32 -> JS number is exact, so equality here is bit equality of the float32 values.
    expect(Array.from(flat)).toEqual(Array.from(embeddings));
  });
});
