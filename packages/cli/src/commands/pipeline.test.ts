import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunManifest } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { runTwindbExit as twindb } from '../../test/run-twindb.js';
import { TINY_PRETEXT_CONFIG } from '../../test/tiny-pretext-config.js';

const common = { backbone: 'small-cnn', train_db: 'mnist:pool', num_classes: 2, optimizer: 'adam', scheduler: 'constant', seed: 0 };

/** A whole pipeline in seconds: 10×10 digits, a 1-epoch SimCLR, a 2-class target, short SCAN and self-label. */
function tinyPipeline(dir: string): string {
  writeFileSync(path.join(dir, 'pretext.yml'), TINY_PRETEXT_CONFIG.replace('batch_size: 16', 'batch_size: 64'));
  writeFileSync(
    path.join(dir, 'scan.yml'),
    JSON.stringify({ ...common, setup: 'scan', num_heads: 2, num_neighbors: 5, criterion: 'scan', criterion_kwargs: { entropy_weight: 2 }, epochs: 4, batch_size: 16, optimizer_kwargs: { lr: 0.003 } }),
  );
  writeFileSync(
    path.join(dir, 'selflabel.yml'),
    JSON.stringify({ ...common, setup: 'selflabel', criterion: 'confidence-cross-entropy', criterion_kwargs: { apply_class_balancing: true }, confidence_threshold: 0.9, epochs: 2, batch_size: 16, optimizer_kwargs: { lr: 0.001 } }),
  );
  const yml = path.join(dir, 'pipeline.yml');
  writeFileSync(
    yml,
    JSON.stringify({
      pool_db: 'mnist:pool?n=300',
      target_db: 'mnist:heldout?classes=0-1&n=40',
      pretext: { config: 'pretext.yml' },
      sample: { mode: 'union', k: 3, reportSamples: 20, codebook: 0 },
      scan: { config: 'scan.yml' },
      selflabel: { config: 'selflabel.yml' },
    }),
  );
  return yml;
}

describe('twindb pipeline', () => {
  it('runs up to a step, then resumes: finished steps are skipped, the rest run, labels are written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-pipeline-'));
    const yml = tinyPipeline(dir);
    const out = path.join(dir, 'run');
    const first = await twindb('--backend', 'cpu', 'pipeline', '--config', yml, '--out', out, '--until', 'sample', '--json');
    expect(first.code, first.err).toBe(0);
    const a = JSON.parse(first.out) as { steps: { step: string; skipped: boolean }[]; sample: { sizes: { selected: number } } };
    expect(a.steps.map((s) => s.step)).toEqual(['pretext', 'extract', 'sample']);
    expect(a.sample.sizes.selected).toBeGreaterThan(0);
    expect(existsSync(path.join(out, 'scan'))).toBe(false);

    const second = await twindb('--backend', 'cpu', 'pipeline', '--config', yml, '--out', out, '--json');
    expect(second.code, second.err).toBe(0);
    const b = JSON.parse(second.out) as { steps: { step: string; skipped: boolean }[]; labels: { rows: number; acc: number | null; clusterNames: Record<string, string> | null } };
    expect(b.steps.map((s) => [s.step, s.skipped])).toEqual([
      ['pretext', true],
      ['extract', true],
      ['sample', true],
      ['scan', false],
      ['selflabel', false],
      ['labels', false],
    ]);
    const csv = readFileSync(path.join(out, 'newdb', 'labels.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,path,cluster,confidence,name');
    expect(csv.length - 1).toBe(b.labels.rows);
    expect(b.labels.acc).not.toBeNull();
    expect(Object.values(b.labels.clusterNames ?? {}).sort()).toEqual(['0', '1']);
    expect(existsSync(path.join(out, 'newdb', 'labels.arrow'))).toBe(true);
    // every run folder carries its manifest; the labels are listed in the new DB's
    expect(await readRunManifest(out)).toMatchObject({ command: 'pipeline', files: ['features/', 'newdb/', 'pretext/', 'scan/', 'selflabel/'] });
    for (const step of ['pretext', 'scan', 'selflabel']) expect(await readRunManifest(path.join(out, step)), step).toMatchObject({ command: step });
    expect((await readRunManifest(path.join(out, 'newdb')))?.files).toEqual(expect.arrayContaining(['labels.csv', 'labels.arrow', 'selected.csv']));
  }, 240_000);

  it('exit 2 before any compute for a foreign --out or one holding the config, naming it; its files stay as they were', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-pipeline-foreign-'));
    const yml = tinyPipeline(dir);
    const out = path.join(dir, 'my-project');
    mkdirSync(path.join(out, 'scan'), { recursive: true });
    writeFileSync(path.join(out, 'scan', 'predictions.csv'), 'id,cluster\nmine,1\n');
    const r = await twindb('pipeline', '--config', yml, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out ${out} is not a twindb pipeline folder (no .twindb-run.json; it holds scan/predictions.csv)`);
    expect(readdirSync(out, { recursive: true, encoding: 'utf8' }).sort()).toEqual(['scan', 'scan/predictions.csv']);
    expect(readFileSync(path.join(out, 'scan', 'predictions.csv'), 'utf8')).toBe('id,cluster\nmine,1\n');
    const r2 = await twindb('pipeline', '--config', yml, '--out', dir);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain(`--out ${dir} holds the input ${yml}`);
  });

  it('exit 2 for a pipeline YAML with an unknown key, naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-pipeline-bad-'));
    const yml = tinyPipeline(dir);
    writeFileSync(yml, JSON.stringify({ ...JSON.parse(readFileSync(yml, 'utf8')), pool: 'mnist:pool' }));
    const r = await twindb('pipeline', '--config', yml, '--out', path.join(dir, 'run'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown key\(s\) "pool"/);
  });
});
