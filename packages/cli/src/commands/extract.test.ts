import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFeatures } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { runTwindb, runTwindbExit } from '../../test/run-twindb.js';
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
    await expect(runTwindb('extract', '--encoder', 'x.onnx', '--db', 'mnist:pool', '--out', 'o.arrow', '--shard', '3')).rejects.toThrow(/--shard: expected "i\/n" \(e\.g\. 0\/4\) or "auto", got "3"/);
    await expect(runTwindb('extract', '--encoder', 'x.onnx', '--db', 'mnist:pool', '--out', 'o.arrow', '--mean', 'a,b')).rejects.toThrow(/--mean: expected comma-separated numbers, got "a,b"/);
  });

  it("takes the seed's feature_extract.py flags: --config_env/--config_exp find the pretext run, --pretext_model names it, --save_feature_name writes the headerless CSV that sample reads", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-extract-seed-'));
    const yml = path.join(dir, 'simclr_tiny.yml');
    const env = path.join(dir, 'env.yml');
    writeFileSync(yml, TINY);
    writeFileSync(env, `root_dir: ${path.join(dir, 'root')}\n`);
    await runTwindb('--backend', 'wasm', 'pretext', '--config_env', env, '--config_exp', yml);
    const run = path.join(dir, 'root', 'mnist_pool_n=32', 'pretext'); // <root_dir>/<train_db>/pretext, as the reference
    expect(existsSync(path.join(run, 'encoder.onnx'))).toBe(true);

    // The fork's command (without --gpus) plus the DB and the Arrow file twindb keeps.
    const target = JSON.parse(
      await runTwindb('extract', '--config_env', env, '--config_exp', yml, '--db', 'mnist:heldout?n=12', '--out', path.join(dir, 'target.arrow'), '--save_feature_name', path.join(dir, 'target_features.csv'), '--json'),
    );
    expect(target).toMatchObject({ rows: 12, dim: 16, csv: path.join(dir, 'target_features.csv') });
    const pool = JSON.parse(
      await runTwindb('extract', '--pretext_model', run, '--db', 'mnist:pool?n=40', '--out', path.join(dir, 'near.arrow'), '--csv', path.join(dir, 'near_features.csv'), '--json'),
    );
    expect(pool).toMatchObject({ rows: 40, csv: path.join(dir, 'near_features.csv') });
    expect(pool.encoder).toBe(target.encoder);

    // The CSV holds the Arrow file's rows: name = id, the same float32 values, no header, CRLF.
    const arrow = await loadFeatures(path.join(dir, 'near.arrow'));
    const text = readFileSync(path.join(dir, 'near_features.csv'), 'utf8');
    const lines = text.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => l.split(',')[0])).toEqual(arrow.ids);
    expect(lines.flatMap((l) => l.split(',').slice(1).map((v) => Math.fround(Number(v))))).toEqual(Array.from(arrow.embeddings));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // STEP 1-2 with nn_maker.py's flags on those CSVs.
    const out = path.join(dir, 'newdb');
    const report = JSON.parse(
      (await runTwindb('sample', '--target_csv', path.join(dir, 'target_features.csv'), '--near_csv', path.join(dir, 'near_features.csv'), '--save_dir', out, '--nn_factor', '3', '--feature_dim', '16', '--min-coverage', '0', '--json')).trim(),
    );
    expect(report.mode).toBe('union');
    const listed = readFileSync(path.join(out, 'ImageSets', 'scan_nn3.txt'), 'utf8').trim().split('\n');
    expect(listed.length).toBeGreaterThan(0);
    for (const name of listed) expect(arrow.ids).toContain(name);
  });

  it('names what is wrong with the seed flags, exit 2, and writes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-extract-seed-bad-'));
    const yml = path.join(dir, 'simclr_tiny.yml');
    writeFileSync(yml, TINY);
    const env = path.join(dir, 'env.yml');
    writeFileSync(env, `root_dir: ${path.join(dir, 'nowhere')}\n`);
    const out = path.join(dir, 'x.arrow');
    const base = ['extract', '--db', 'mnist:heldout?n=4', '--out', out];
    const cases: [string[], RegExp][] = [
      [[], /--encoder is required \(or --pretext_model, or --config-exp to use the run twindb pretext made from that config\)/],
      [['--config_env', env], /--config_env needs --config-exp/],
      [['--config_exp', yml, '--config_env', env], /--config_exp .*simclr_tiny\.yml: no encoder\.onnx in .*nowhere\/mnist_pool_n=32\/pretext, the run folder twindb pretext writes/],
      [['--config_exp', env], /env\.yml: invalid pretext config/],
      [['--pretext_model', path.join(dir, 'simclr.pth.tar')], /simclr\.pth\.tar is a PyTorch checkpoint/],
      [['--encoder', path.join(dir, 'e.onnx'), '--save_feature_name', out], /--csv .*x\.arrow is also the Arrow output --out/],
    ];
    for (const [extra, message] of cases) {
      const r = await runTwindbExit(...base, ...extra);
      expect(r.err).toMatch(message);
      expect(r.code).toBe(2);
    }
    expect(readdirSync(dir).sort()).toEqual(['env.yml', 'simclr_tiny.yml']);
  });
});
