import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTempName, readRunManifest } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { runTwindbExit as twindb } from '../../test/run-twindb.js';
import { tinyPipeline } from '../../test/tiny-pipeline.js';

/** A rerun after STEP 1-2 finished: those steps skipped, SCAN onward run. */
const RERUN_FROM_SCAN = [
  ['pretext', true],
  ['extract', true],
  ['sample', true],
  ['scan', false],
  ['selflabel', false],
  ['labels', false],
];

describe('twindb pipeline', () => {
  it('killed (SIGKILL) in the middle of SCAN, a rerun skips the finished steps, resumes SCAN and finishes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-pipeline-kill-'));
    const yml = tinyPipeline(dir);
    const out = path.join(dir, 'run');
    const bin = fileURLToPath(new URL('../../bin/twindb.mjs', import.meta.url));
    // The real executable, killed once SCAN has written its first epoch checkpoint.
    const killed = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      const p = spawn(process.execPath, [bin, '--backend', 'cpu', 'pipeline', '--config', yml, '--out', out], { stdio: 'ignore' });
      const poll = setInterval(() => {
        if (existsSync(path.join(out, 'scan', 'checkpoint.safetensors'))) p.kill('SIGKILL');
      }, 20);
      p.on('exit', (code, signal) => {
        clearInterval(poll);
        resolve({ code, signal });
      });
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path.join(out, 'newdb', 'labels.csv'))).toBe(false);
    const again = await twindb('--backend', 'cpu', 'pipeline', '--config', yml, '--out', out, '--json');
    expect(again.code, again.err).toBe(0);
    const r = JSON.parse(again.out) as { steps: { step: string; skipped: boolean }[]; labels: { rows: number } };
    expect(r.steps.map((s) => [s.step, s.skipped])).toEqual(RERUN_FROM_SCAN);
    expect(again.err).toMatch(/resumed .*scan.*checkpoint\.safetensors at epoch/);
    expect(r.labels.rows).toBeGreaterThan(0);
    const leftovers = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => parseTempName(path.basename(f)) !== undefined);
    expect(leftovers).toEqual([]);
  }, 180_000);

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
    const b = JSON.parse(second.out) as { steps: { step: string; skipped: boolean }[]; labels: { rows: number; acc: number | null; clusterNames: Record<string, string> | null }; report?: string };
    expect(b.steps.map((s) => [s.step, s.skipped])).toEqual(RERUN_FROM_SCAN);
    const csv = readFileSync(path.join(out, 'newdb', 'labels.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,path,cluster,confidence,name');
    expect(csv.length - 1).toBe(b.labels.rows);
    expect(b.labels.acc).not.toBeNull();
    expect(Object.values(b.labels.clusterNames ?? {}).sort()).toEqual(['0', '1']);
    expect(existsSync(path.join(out, 'newdb', 'labels.arrow'))).toBe(true);
    // every run folder carries its manifest; the labels are listed in the new DB's
    expect(await readRunManifest(out)).toMatchObject({ command: 'pipeline', files: ['features/', 'newdb/', 'pretext/', 'report.html', 'scan/', 'selflabel/'] });
    // the report is written at the end (its content is checked by report-chromium.test.ts)
    expect(b.report).toBe(path.join(out, 'report.html'));
    expect(readFileSync(b.report!, 'utf8')).toContain('<meta name="generator" content="twindb report">');
    for (const step of ['pretext', 'scan', 'selflabel']) expect(await readRunManifest(path.join(out, step)), step).toMatchObject({ command: step });
    expect((await readRunManifest(path.join(out, 'newdb')))?.files).toEqual(expect.arrayContaining(['labels.csv', 'labels.arrow', 'selected.csv']));

    // --from refuses a step folder holding a file twindb did not write, before removing anything
    const scanModel = path.join(out, 'scan', 'model.safetensors');
    const scanTime = statSync(scanModel).mtimeMs;
    writeFileSync(path.join(out, 'selflabel', 'notes.txt'), 'mine');
    const foreign = await twindb('--backend', 'cpu', 'pipeline', '--config', yml, '--out', out, '--from', 'selflabel');
    expect(foreign.code).toBe(2);
    expect(foreign.err).toContain('notes.txt');
    expect(readFileSync(path.join(out, 'selflabel', 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(out, 'selflabel', 'selflabel.summary.json'))).toBe(true);
    rmSync(path.join(out, 'selflabel', 'notes.txt'));

    // --from selflabel: the earlier steps are kept as they are, self-labelling and the labels run again;
    // --materialize copy lays the labelled DB out as images/<cluster>/<id>.png (mnist has no files)
    const slTime = statSync(path.join(out, 'selflabel', 'selflabel.summary.json')).mtimeMs;
    const third = await twindb('--backend', 'cpu', 'pipeline', '--config', yml, '--out', out, '--from', 'selflabel', '--materialize', 'copy', '--json');
    expect(third.code, third.err).toBe(0);
    const c = JSON.parse(third.out) as { steps: { step: string; skipped: boolean }[]; labels: { rows: number; materialized: { files: number; encoded: number; dir: string } } };
    expect(c.steps.map((s) => [s.step, s.skipped])).toEqual([
      ['pretext', true],
      ['extract', true],
      ['sample', true],
      ['scan', true],
      ['selflabel', false],
      ['labels', false],
    ]);
    expect(statSync(scanModel).mtimeMs).toBe(scanTime);
    expect(statSync(path.join(out, 'selflabel', 'selflabel.summary.json')).mtimeMs).toBeGreaterThan(slTime);
    expect(c.labels.materialized).toMatchObject({ files: c.labels.rows, encoded: c.labels.rows, dir: path.join(out, 'newdb', 'images') });
    const labelRows = readFileSync(path.join(out, 'newdb', 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const images = readdirSync(path.join(out, 'newdb', 'images'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png'));
    expect(images.sort()).toEqual(labelRows.map(([id, , cluster]) => `${cluster}/${id}.png`).sort());
    const listed = (await readRunManifest(path.join(out, 'newdb')))!.files;
    expect(listed.filter((f) => f.startsWith('images/')).sort()).toEqual(images.map((f) => `images/${f}`).sort());
  }, 300_000);

  it('runs with the SCAN and self-label configs written inline in the pipeline YAML (train_db / val_db from its DBs)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-pipeline-inline-'));
    const yml = tinyPipeline(dir);
    const inline = (f: string) => {
      const { train_db: _db, ...c } = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
      rmSync(path.join(dir, f));
      return c;
    };
    writeFileSync(yml, JSON.stringify({ ...JSON.parse(readFileSync(yml, 'utf8')), scan: { config: inline('scan.yml') }, selflabel: { config: inline('selflabel.yml') } }));
    const out = path.join(dir, 'run');
    const r = await twindb('--backend', 'cpu', 'pipeline', '--config', yml, '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out) as { steps: { step: string }[]; labels: { acc: number | null } };
    expect(s.steps.map((x) => x.step)).toEqual(['pretext', 'extract', 'sample', 'scan', 'selflabel', 'labels']);
    expect(s.labels.acc).not.toBeNull();
    expect(JSON.parse(readFileSync(path.join(out, 'scan', 'config.json'), 'utf8'))).toMatchObject({ num_classes: 2, train_db: 'mnist:pool?n=300' });
  }, 240_000);

  it('--from: exit 2 when an earlier step is not complete, or when it comes after --until; nothing is written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-pipeline-from-'));
    const yml = tinyPipeline(dir);
    const out = path.join(dir, 'run');
    const r = await twindb('pipeline', '--config', yml, '--out', out, '--from', 'scan');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--from scan needs the complete outputs of the steps before it; not complete: pretext (no ');
    expect(r.err).toMatch(/extract \(no .*pool\.arrow\); sample \(no .*report\.json\)/);
    expect(readdirSync(out)).toEqual(['.twindb-run.json']);
    const order = await twindb('pipeline', '--config', yml, '--out', out, '--from', 'scan', '--until', 'sample');
    expect(order.code).toBe(2);
    expect(order.err).toContain('--from scan comes after --until sample');
    const bad = await twindb('pipeline', '--config', yml, '--out', out, '--from', 'train');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/argument 'train' is invalid.*pretext, extract, sample, scan, selflabel/s);
  });

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
