import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatDbSpec, parseDbSpec } from './db-spec.js';

const field = (spec: string, key: string): unknown => (parseDbSpec(spec) as Record<string, unknown>)[key];

describe('parseDbSpec', () => {
  it('parses every scheme of the CLI string form', () => {
    expect(parseDbSpec('folder:/data/pool')).toEqual({ source: 'folder', path: '/data/pool', labels: 'none' });
    expect(field('folder:/data/pool?labels=from-subfolders', 'labels')).toBe('from-subfolders');
    expect(parseDbSpec('list:/data/target.csv')).toEqual({ source: 'list', path: '/data/target.csv' });
    expect(parseDbSpec('mnist:heldout')).toEqual({ source: 'mnist', split: 'heldout' });
    expect(parseDbSpec('mnist')).toEqual({ source: 'mnist', split: 'all' });
    expect(parseDbSpec('cifar10:/data/cifar-10-batches-bin')).toEqual({ source: 'cifar10', path: '/data/cifar-10-batches-bin', split: 'train' });
    expect(parseDbSpec('cifar100:/d?split=test')).toEqual({ source: 'cifar100', path: '/d', split: 'test' });
    expect(field('cifar100-20:/d', 'source')).toBe('cifar100-20');
    expect(field('stl10:/d/stl10_binary?split=train+unlabeled', 'split')).toBe('train+unlabeled');
  });

  it('parses class filters, counts and seeds', () => {
    expect(parseDbSpec('mnist:heldout?classes=0-4')).toEqual({ source: 'mnist', split: 'heldout', classes: [0, 1, 2, 3, 4] });
    expect(parseDbSpec('mnist:pool?classes=1,3,7-9&n=500&seed=3')).toEqual({
      source: 'mnist',
      split: 'pool',
      classes: [1, 3, 7, 8, 9],
      n: 500,
      seed: 3,
    });
    expect(field('folder:/x?labels=from-subfolders&classes=cat,dog', 'classes')).toEqual(['cat', 'dog']);
  });

  it('keeps paths with spaces, colons, non-ASCII characters and a "?" that is not a query', () => {
    expect(field('folder:/data/mes images/été', 'path')).toBe('/data/mes images/été');
    expect(field('list:C:\\data\\list.csv', 'path')).toBe('C:\\data\\list.csv');
    expect(field('folder:/data/what?.jpgs', 'path')).toBe('/data/what?.jpgs');
  });

  it('accepts the YAML object form and round-trips through the string form', () => {
    const fromYaml = parseDbSpec(parseYaml('source: mnist\nsplit: heldout\nclasses: [0, 1, 2, 3, 4]\nn: 500\n'));
    expect(fromYaml).toEqual(parseDbSpec('mnist:heldout?classes=0-4&n=500'));
    for (const s of ['mnist:heldout?classes=0-4&n=500', 'folder:/a b/c?labels=from-subfolders', 'stl10:/s?split=test&classes=1,3', 'cifar10:/c']) {
      expect(formatDbSpec(parseDbSpec(s))).toBe(s);
    }
  });

  it('rejects bad specs with a message naming the problem', () => {
    expect(() => parseDbSpec('imagenet:/data')).toThrow(/unknown source "imagenet".*folder:/);
    expect(() => parseDbSpec('mnist:train')).toThrow(/mnist:train.*split/);
    expect(() => parseDbSpec('mnist:pool?size=3')).toThrow(/unknown option "size"/);
    expect(() => parseDbSpec('mnist:pool?n=abc')).toThrow(/n=abc is not an integer/);
    expect(() => parseDbSpec('folder:')).toThrow(/path/);
    expect(() => parseDbSpec('mnist:pool?classes=5-2')).toThrow(/5-2/);
    expect(() => parseDbSpec({ source: 'list', path: '/x', colour: 1 })).toThrow(/colour|Unrecognized/);
  });
});
