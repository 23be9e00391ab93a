import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTwindb, runTwindbExit } from '../../test/run-twindb.js';
import { TINY_PRETEXT_CONFIG as TINY } from '../../test/tiny-pretext-config.js';

const twindb = (args: string[]) => runTwindb(...args);

describe('twindb pretext', () => {
  it('trains from a YAML config and prints a JSON summary with --json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-pretext-'));
    const yml = path.join(dir, 'tiny.yml');
    writeFileSync(yml, TINY);
    const out = path.join(dir, 'run');
    const summary = JSON.parse(await twindb(['--backend', 'wasm', 'pretext', '--config-exp', yml, '--out', out, '--json']));
    expect(summary).toMatchObject({ runDir: out, epochs: 1, epochsCompleted: 1, checkpoint: path.join(out, 'checkpoint.safetensors'), model: path.join(out, 'model.safetensors'), onnx: path.join(out, 'encoder.onnx') });
    expect(Number.isFinite(summary.finalLoss)).toBe(true);
    expect(summary.knn.k).toBe(5);
    expect(summary.knn.head.weighted).toBeGreaterThanOrEqual(0);
    expect(existsSync(summary.model)).toBe(true);
  });

  it('exit 2 before any compute for a foreign --out or one holding the config, naming it; the files stay as they were', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-pretext-'));
    const yml = path.join(dir, 'tiny.yml');
    writeFileSync(yml, TINY);
    const out = path.join(dir, 'thesis');
    mkdirSync(out);
    writeFileSync(path.join(out, 'checkpoint.safetensors'), 'not a checkpoint: my data');
    const r = await runTwindbExit('pretext', '--config-exp', yml, '--out', out, '--resume');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out ${out} is not a twindb pretext folder (no .twindb-run.json; it holds checkpoint.safetensors)`);
    expect(readdirSync(out)).toEqual(['checkpoint.safetensors']);
    expect(readFileSync(path.join(out, 'checkpoint.safetensors'), 'utf8')).toBe('not a checkpoint: my data');
    const r2 = await runTwindbExit('pretext', '--config-exp', yml, '--out', dir);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain(`--out ${dir} holds the input ${yml}`);
    expect(readdirSync(dir).sort()).toEqual(['thesis', 'tiny.yml']);
  });

  it('reports config errors with the file and key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-pretext-'));
    const yml = path.join(dir, 'bad.yml');
    writeFileSync(yml, TINY.replace('backbone: small-cnn', 'backbone: vgg'));
    await expect(twindb(['pretext', '--config-exp', yml])).rejects.toThrow(/bad\.yml: invalid pretext config\n {2}backbone: Invalid option: expected one of "resnet18"\|"small-cnn"/);
  });
});
