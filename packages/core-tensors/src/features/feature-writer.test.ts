import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FeatureWriter, type FeatureMetadataInput } from './feature-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'twindb-features-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh writer in its own folder, so each case can also check that nothing was left behind. */
async function fresh(extra: Partial<FeatureMetadataInput> = {}, batchRows = 2) {
  const d = mkdtempSync(join(dir, `case${n++}-`));
  const path = join(d, 'f.arrow');
  const w = await FeatureWriter.create(path, { encoder: 'e', dim: 3, normalized: false, db: 'db', ...extra }, { batchRows });
  return { w, path, leftovers: () => readdirSync(d) };
}

describe('FeatureWriter rejects bad rows, naming file, row and id', () => {
  it.each([
    ['NaN', Number.NaN, /embedding\[1\] is NaN; embeddings must be finite/],
    ['+Inf', Number.POSITIVE_INFINITY, /embedding\[1\] is Infinity/],
    ['-Inf', Number.NEGATIVE_INFINITY, /embedding\[1\] is -Infinity/],
  ])('%s in an embedding', async (_name, bad, message) => {
    const { w, path, leftovers } = await fresh();
    await w.append([{ id: 'ok', embedding: [1, 2, 3] }, { id: 'ok2', embedding: [1, 2, 3] }]);
    const err = await w.append([{ id: 'bad one', embedding: [0, bad, 0] }]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message.startsWith(`${path}: row 2 (id "bad one"): `)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('wrong dimension, row by row', async () => {
    const { w, path } = await fresh();
    await expect(w.append([{ id: 'a', embedding: [1, 2] }])).rejects.toThrow(
      `${path}: row 0 (id "a"): embedding has 2 values, expected dim 3`,
    );
  });

  it('wrong dimension, column-wise', async () => {
    const { w, path } = await fresh();
    await expect(w.appendBatch({ ids: ['a', 'b'], embeddings: new Float32Array(5) })).rejects.toThrow(
      `${path}: row 0: appendBatch: embeddings has 5 values for 2 ids; expected 2 × dim 3 = 6`,
    );
  });

  it('column lengths that disagree', async () => {
    const { w } = await fresh();
    await expect(w.appendBatch({ ids: ['a', 'b'], paths: ['x'], embeddings: new Float32Array(6) })).rejects.toThrow(
      /appendBatch: paths has 1 entries for 2 ids/,
    );
  });

  it('duplicate id, also across flushed batches', async () => {
    const { w, path, leftovers } = await fresh();
    await w.appendBatch({ ids: ['a', 'b', 'c', 'd'], embeddings: new Float32Array(12) });
    await expect(w.append([{ id: 'e', embedding: [0, 0, 0] }, { id: 'b', embedding: [0, 0, 0] }])).rejects.toThrow(
      `${path}: row 5 (id "b"): duplicate id (an earlier row has the same id)`,
    );
    expect(leftovers()).toEqual([]);
  });

  it('empty id and a non-int32 label', async () => {
    const a = await fresh();
    await expect(a.w.append([{ id: '', embedding: [0, 0, 0] }])).rejects.toThrow(/row 0: id is empty/);
    const b = await fresh();
    await expect(b.w.append([{ id: 'x', label: 1.5, embedding: [0, 0, 0] }])).rejects.toThrow(
      /row 0 \(id "x"\): label 1.5 is not an int32/,
    );
    const c = await fresh();
    await expect(c.w.append([{ id: 'x', label: 2 ** 31, embedding: [0, 0, 0] }])).rejects.toThrow(/label 2147483648 is not an int32/);
  });

  it('a non-unit row in a file declared normalized', async () => {
    const { w } = await fresh({ normalized: true });
    await w.append([{ id: 'unit', embedding: [0.6, 0.8, 0] }]);
    await expect(w.append([{ id: 'long', embedding: [1, 1, 0] }])).rejects.toThrow(
      /row 1 \(id "long"\): embedding has L2 norm 1\.414.*twindb\.normalized=true/,
    );
  });

  it('overlapping calls that were not awaited', async () => {
    const { w } = await fresh({}, 1);
    const first = w.appendBatch({ ids: ['a', 'b'], embeddings: new Float32Array(6) });
    await expect(w.append([{ id: 'c', embedding: [0, 0, 0] }])).rejects.toThrow(/already busy: await each/);
    await first;
    await w.close();
  });
});

describe('FeatureWriter.create validates its metadata and options', () => {
  it.each([
    [{ dim: 0 }, /invalid feature metadata: metadata "dim": Too small/],
    [{ dim: 2.5 }, /metadata "dim"/],
    [{ encoder: '' }, /metadata "encoder"/],
  ])('%j', async (bad, message) => {
    const d = mkdtempSync(join(dir, 'meta-'));
    const meta = { encoder: 'e', dim: 3, normalized: false, db: 'db', ...bad };
    await expect(FeatureWriter.create(join(d, 'f.arrow'), meta)).rejects.toThrow(message);
    expect(readdirSync(d)).toEqual([]);
  });

  it('batchRows must be a positive integer', async () => {
    const d = mkdtempSync(join(dir, 'rows-'));
    await expect(
      FeatureWriter.create(join(d, 'f.arrow'), { encoder: 'e', dim: 3, normalized: false, db: '' }, { batchRows: 0 }),
    ).rejects.toThrow(/batchRows must be a positive integer, got 0/);
    expect(readdirSync(d)).toEqual([]);
  });
});
