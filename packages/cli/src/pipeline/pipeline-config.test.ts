import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@twindb/core-tensors';
import { loadPretextConfig } from '@twindb/pretext';
import { loadScanConfig, parseScanConfig } from '@twindb/scan';
import { loadSelflabelConfig, parseSelflabelConfig } from '@twindb/selflabel';
import { describe, expect, it } from 'vitest';
import { loadPipelineConfig, PipelineOptionsSchema } from './pipeline-config.js';

const configs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../configs/pipeline');

describe('configs/pipeline/*.yml', () => {
  const files = readdirSync(configs).filter((f) => f.endsWith('.yml'));

  it('ships the MNIST, CIFAR-10 and STL-10 pipelines', () => {
    expect(files.sort()).toEqual(expect.arrayContaining(['cifar10.yml', 'mnist.yml', 'stl10.yml']));
  });

  for (const f of files) {
    it(`${f}: valid against the pipeline schema, and every step config it names loads`, async () => {
      const c = await loadPipelineConfig(path.join(configs, f));
      expect(existsSync(c.pretext.config), c.pretext.config).toBe(true);
      const pretext = (await loadPretextConfig(c.pretext.config)).config;
      expect(pretext.epochs).toBeGreaterThan(0);
      const scan = typeof c.scan.config === 'string' ? await loadScanConfig(c.scan.config) : parseScanConfig(c.scan.config);
      const sl = typeof c.selflabel.config === 'string' ? await loadSelflabelConfig(c.selflabel.config) : parseSelflabelConfig(c.selflabel.config);
      // the clusters of SCAN and self-labelling are the same K
      expect(sl.num_classes).toBe(scan.num_classes);
      expect(c.materialize).toBe('none');
    });
  }

  it('the CIFAR-10 and STL-10 pools are those DBs, with a 5-class target of their test split', async () => {
    for (const [f, source] of [
      ['cifar10.yml', 'cifar10'],
      ['stl10.yml', 'stl10'],
    ] as const) {
      const c = await loadPipelineConfig(path.join(configs, f));
      expect(c.pool_db, f).toMatch(new RegExp(`^${source}:`));
      expect(c.target_db, f).toMatch(new RegExp(`^${source}:.*split=test.*classes=0-4`));
      const scan = parseScanConfig(c.scan.config);
      expect(scan.num_classes).toBe(5);
      // inline step configs get the pipeline's DBs
      expect(scan.train_db).toBe(c.pool_db);
      expect(scan.val_db).toBe(c.target_db);
    }
  });
});

describe('pipeline config errors', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-pipeline-config-'));
  const write = (body: object) => {
    const f = path.join(dir, `p${Math.random().toString(16).slice(2)}.yml`);
    writeFileSync(f, JSON.stringify(body));
    return f;
  };
  const base = { pool_db: 'mnist:pool', target_db: 'mnist:heldout', pretext: { config: 'x.yml' }, scan: { config: 's.yml' }, selflabel: { config: 'l.yml' } };

  it('an inline step config with a wrong value: a usage error naming its key path in the pipeline file', async () => {
    const f = write({ ...base, scan: { config: { setup: 'scan', backbone: 'resnet18', num_classes: 1, num_heads: 1, criterion: 'scan', epochs: 1, batch_size: 8, optimizer: 'adam', optimizer_kwargs: { lr: 0.1 } } } });
    const err = await loadPipelineConfig(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(f);
    expect((err as Error).message).toMatch(/scan\.config\.num_classes: .*2/);
  });

  it('materialize and the command options are checked', async () => {
    const bad = await loadPipelineConfig(write({ ...base, materialize: 'move' })).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/materialize: .*"copy"/);
    expect(PipelineOptionsSchema.safeParse({ config: 'p.yml', from: 'scan', until: 'selflabel', materialize: 'link' }).success).toBe(true);
    expect(PipelineOptionsSchema.safeParse({ config: 'p.yml', from: 'train' }).success).toBe(false);
  });
});
