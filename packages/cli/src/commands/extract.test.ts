import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFeatures } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { runTwindb } from '../../test/run-twindb.js';
import { TINY_PRETEXT_CONFIG as TINY } from '../../test/tiny-pretext-config.js';

describe('twindb extract', () => {
  it('embeds a DB with the encoder twindb pretext exported (STEP 1 → STEP 1-1), in shards', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-extract-'));
    const yml = path.join(dir, 'tiny.yml');
    writeFileSync(yml, TINY);
    const run = path.join(dir, 'run');
    await runTwindb('--backend', 'wasm', 'pretext', '--config-exp', yml, '--out', run);
    const parts = [];
    for (const shard of ['0/2', '1/2']) {
      const out = path.join(dir, `pool-${shard[0]}.arrow`);
      const summary = JSON.parse(await runTwindb('extract', '--encoder', path.join(run, 'encoder.onnx'), '--db', 'mnist:pool?n=40', '--out', out, '--shard', shard, '--batch-size', '8', '--json'));
      expect(summary).toMatchObject({ out, rows: 20, dim: 16, skipped: false });
      parts.push(await loadFeatures(out));
    }
    expect(parts.map((p) => p.meta.db)).toEqual(['mnist:pool?n=40', 'mnist:pool?n=40']);
    expect(new Set([...parts[0].ids, ...parts[1].ids]).size).toBe(40);
    for (const p of parts) {
      for (let r = 0; r < p.rows; r++) expect(Math.hypot(...p.embeddings.subarray(r * 16, r * 16 + 16))).toBeCloseTo(1, 4);
    }
  });

  it('names the flag that is wrong', async () => {
    await expect(runTwindb('extract', '--encoder', 'x.onnx', '--db', 'mnist:pool', '--out', 'o.arrow', '--shard', '3')).rejects.toThrow(/shard: expected "i\/n" \(e\.g\. 0\/4\), got "3"/);
    await expect(runTwindb('extract', '--encoder', 'x.onnx', '--db', 'mnist:pool', '--out', 'o.arrow', '--mean', 'a,b')).rejects.toThrow(/--mean: expected comma-separated numbers, got "a,b"/);
  });
});
