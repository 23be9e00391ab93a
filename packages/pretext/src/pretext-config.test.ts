import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lrScheduleOf } from '@twindb/core-tensors/nn';
import { identityHash } from '@twindb/core-tensors';
import { trainingIdentity } from './config-identity.js';
import { loadPretextConfig, parsePretextConfig, PretextConfigSchema } from './pretext-config.js';

const CONFIGS = fileURLToPath(new URL('../../../configs/pretext/', import.meta.url));

const valid = () => ({
  setup: 'simclr',
  backbone: 'small-cnn',
  train_db: 'mnist:pool',
  criterion: 'simclr',
  criterion_kwargs: { temperature: 0.1 },
  epochs: 3,
  optimizer: 'sgd',
  optimizer_kwargs: { lr: 0.4, momentum: 0.9, weight_decay: 1e-4 },
  scheduler: 'cosine',
  scheduler_kwargs: { lr_decay_rate: 0.1 },
  batch_size: 8,
  augmentation_strategy: 'digits',
  augmentation_kwargs: { random_resized_crop: { size: 28 } },
  transformation_kwargs: { crop_size: 28, normalize: { mean: [0.1307], std: [0.3081] } },
});

function errorOf(value: unknown): string {
  try {
    parsePretextConfig(value, 'exp.yml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('pretext config', () => {
  it('loads the shipped configs with the reference values', async () => {
    const mnist = (await loadPretextConfig(path.join(CONFIGS, 'simclr_mnist.yml'))).config;
    expect(mnist.backbone).toBe('small-cnn');
    expect(mnist.optimizer).toBe('adam');
    expect(mnist.model_kwargs).toMatchObject({ head: 'mlp', features_dim: 64 });
    expect(mnist.train_db).toEqual([{ source: 'mnist', split: 'pool' }]);
    expect(mnist.val_db).toEqual({ source: 'mnist', split: 'heldout' });
    expect(lrScheduleOf(mnist)).toEqual({ scheduler: 'cosine', lr: 0.001, epochs: 10, lr_decay_rate: 0.1 });
    for (const [name, variant] of [
      ['simclr_cifar10.yml', 'cifar'],
      ['simclr_stl10.yml', 'stl'],
    ]) {
      const c = (await loadPretextConfig(path.join(CONFIGS, name))).config;
      expect(c).toMatchObject({ backbone: 'resnet18', epochs: 500, batch_size: 512, optimizer: 'sgd', criterion_kwargs: { temperature: 0.1 } });
      expect(c.optimizer_kwargs).toEqual({ lr: 0.4, momentum: 0.9, weight_decay: 0.0001, nesterov: false });
      expect(c.model_kwargs.variant).toBe(variant);
    }
  });

  it('fills the defaults of the reference code', () => {
    const c = parsePretextConfig(valid());
    expect(c.model_kwargs).toEqual({ head: 'mlp', features_dim: 128 });
    expect(c.seed).toBe(0);
    expect(c.knn).toEqual({ every: 1, k: 20 });
    expect(c.train_db).toEqual([{ source: 'mnist', split: 'pool' }]);
  });

  it('accepts a list of DBs (their union is trained on)', () => {
    const c = parsePretextConfig({ ...valid(), train_db: ['mnist:pool?n=10', { source: 'mnist', split: 'heldout' }] });
    expect(c.train_db).toEqual([
      { source: 'mnist', split: 'pool', n: 10 },
      { source: 'mnist', split: 'heldout' },
    ]);
  });

  it('names the key and the allowed values of an unknown backbone, optimizer or scheduler', () => {
    const msg = errorOf({ ...valid(), backbone: 'resnet34', optimizer: 'adamw', scheduler: 'linear' });
    expect(msg).toMatch(/^exp\.yml: invalid pretext config/);
    expect(msg).toMatch(/backbone: .*"resnet18"\|"small-cnn"\|"resnet50"/);
    expect(msg).toMatch(/optimizer: .*"sgd"\|"adam"/);
    expect(msg).toMatch(/scheduler: .*"cosine"\|"step"\|"constant"/);
  });

  it('picks the ResNet-18 variant from the train DBs unless model_kwargs.variant says, as the reference does by train_db_name', () => {
    const stl = {
      ...valid(),
      backbone: 'resnet18',
      augmentation_strategy: 'simclr',
      augmentation_kwargs: {
        random_resized_crop: { size: 96 },
        color_jitter_random_apply: { p: 0.8 },
        color_jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
        random_grayscale: { p: 0.2 },
        normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      },
      transformation_kwargs: { crop_size: 96, normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } },
      train_db: ['stl10:/data/stl?split=train', 'stl10:/data/stl?split=unlabeled'],
    };
    const variant = (c: Record<string, unknown>) => parsePretextConfig(c).model_kwargs.variant;
    expect(variant(stl)).toBe('stl');
    // one non-STL DB in the union, or an explicit choice, gives the CIFAR network
    expect(variant({ ...stl, train_db: ['stl10:/data/stl', 'folder:/data/pool'] })).toBe('cifar');
    expect(variant({ ...stl, model_kwargs: { variant: 'cifar' } })).toBe('cifar');
    expect(variant({ ...stl, train_db: 'folder:/data/pool', model_kwargs: { variant: 'stl' } })).toBe('stl');
    expect(variant({ ...valid(), backbone: 'resnet18', train_db: 'cifar10:/data/c10' })).toBe('cifar');
    // other backbones have no variant
    expect(variant(valid())).toBeUndefined();
    expect(variant({ ...valid(), backbone: 'resnet50' })).toBeUndefined();
  });

  it('names the key and allowed values of a bad variant, and the 96×96 input the STL variant needs', () => {
    expect(errorOf({ ...valid(), model_kwargs: { variant: 'stl' } })).toMatch(
      /model_kwargs\.variant: only backbone resnet18 has variants \(cifar, stl\); backbone is "small-cnn"/,
    );
    expect(errorOf({ ...valid(), backbone: 'resnet18', model_kwargs: { variant: 'imagenet' } })).toMatch(
      /model_kwargs\.variant: .*"cifar"\|"stl"/,
    );
    const msg = errorOf({ ...valid(), backbone: 'resnet18', model_kwargs: { variant: 'stl' } });
    expect(msg).toMatch(/augmentation_kwargs\.random_resized_crop\.size: expected 96, got 28: the STL ResNet-18/);
    expect(msg).toMatch(/transformation_kwargs\.crop_size: expected 96, got 28/);
  });

  it('reports missing keys by path', () => {
    const { epochs: _e, ...noEpochs } = valid();
    const c = { ...noEpochs, criterion_kwargs: {} };
    const msg = errorOf(c);
    expect(msg).toMatch(/ {2}epochs: missing \(expected number\)/);
    expect(msg).toMatch(/criterion_kwargs\.temperature: missing/);
  });

  it('requires the scheduler kwargs its scheduler reads', () => {
    expect(errorOf({ ...valid(), scheduler: 'step' })).toMatch(/scheduler_kwargs\.lr_decay_epochs: missing \(required by scheduler "step"\)/);
    expect(errorOf({ ...valid(), scheduler_kwargs: {} })).toMatch(/scheduler_kwargs\.lr_decay_rate: missing/);
    expect(parsePretextConfig({ ...valid(), scheduler: 'constant', scheduler_kwargs: {} }).scheduler).toBe('constant');
  });

  it('rejects unknown keys, listing the allowed ones', () => {
    const msg = errorOf({ ...valid(), optimiser: 'sgd', optimizer_kwargs: { lr: 0.1, betas: [0.9, 0.99] } });
    expect(msg).toMatch(/\(root\): unknown key\(s\) "optimiser"; allowed keys: setup, backbone, .*optimizer/);
    expect(msg).toMatch(/optimizer_kwargs: unknown key\(s\) "betas"; allowed keys: lr, weight_decay, momentum, nesterov/);
  });

  it('validates DB specs and augmentation kwargs where they sit', () => {
    const msg = errorOf({ ...valid(), train_db: ['mnist:pool', 'mnist:nowhere'], augmentation_kwargs: { random_resized_crop: { size: -1 } } });
    expect(msg).toMatch(/train_db\[1\]: DB spec "mnist:nowhere"/);
    expect(msg).toMatch(/random_resized_crop\.size/);
  });

  it('refuses SGD-only options on adam', () => {
    expect(errorOf({ ...valid(), optimizer: 'adam', optimizer_kwargs: { lr: 1e-3, momentum: 0.9 } })).toMatch(
      /optimizer_kwargs: momentum and nesterov are SGD options/,
    );
  });

  it('takes grad_cache_chunk as an even number of views dividing 2·batch_size; 0 is the single pass, as absent is', () => {
    expect(parsePretextConfig({ ...valid(), grad_cache_chunk: 4 }).grad_cache_chunk).toBe(4);
    expect(parsePretextConfig(valid()).grad_cache_chunk).toBeUndefined();
    expect(errorOf({ ...valid(), grad_cache_chunk: 3 })).toMatch(/grad_cache_chunk: expected an even number of views dividing 2·batch_size = 16 .*got 3/);
    expect(errorOf({ ...valid(), grad_cache_chunk: 6 })).toMatch(/grad_cache_chunk: .*got 6/);
    expect(errorOf({ ...valid(), grad_cache_chunk: -2 })).toMatch(/grad_cache_chunk/);
    // Part of the checkpoint identity (batch norm normalises per chunk), except that 0 = absent keeps older runs resumable.
    const hash = (extra: object) => identityHash(trainingIdentity(parsePretextConfig({ ...valid(), ...extra })));
    expect(hash({ grad_cache_chunk: 0 })).toBe(hash({}));
    expect(hash({ grad_cache_chunk: 8 })).not.toBe(hash({}));
    expect(PretextConfigSchema.shape.grad_cache_chunk.description).toMatch(/Views per chunk for gradient caching/);
  });

  it('names the file when it cannot be read or parsed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pretext-config-'));
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, 'setup: simclr\n  backbone: [unclosed\n');
    await expect(loadPretextConfig(bad)).rejects.toThrow(`${bad}: not valid YAML`);
    await expect(loadPretextConfig(path.join(dir, 'absent.yml'))).rejects.toThrow(/absent\.yml: cannot read config \(ENOENT\)/);
    const env = path.join(dir, 'env.yml');
    writeFileSync(env, 'root: /x\n');
    await expect(loadPretextConfig(path.join(CONFIGS, 'simclr_mnist.yml'), env)).rejects.toThrow(/env\.yml: invalid env config\n {2}root_dir: missing/);
  });
});
