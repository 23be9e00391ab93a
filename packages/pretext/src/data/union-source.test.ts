import { createImageU8, type ImageSource } from '@twindb/core-tensors/data';
import { describe, expect, it } from 'vitest';
import { unionSources } from './union-source.js';

function fake(name: string, labels: Array<number | undefined>, classNames?: string[]): ImageSource {
  return {
    name,
    classNames,
    records: labels.map((label, i) => ({ id: `img${i}`, label })),
    load: async (i) => createImageU8(1, 1, 1, Uint8Array.from([name.length * 10 + i])),
  };
}

describe('unionSources', () => {
  it('concatenates records with source-prefixed ids and loads from the owning source', async () => {
    const u = unionSources([fake('pool', [0, 1], ['a', 'b']), fake('target', [undefined, undefined, undefined])]);
    expect(u.name).toBe('pool + target');
    expect(u.records.map((r) => r.id)).toEqual(['pool/img0', 'pool/img1', 'target/img0', 'target/img1', 'target/img2']);
    expect(u.records.map((r) => r.label)).toEqual([0, 1, undefined, undefined, undefined]);
    expect(u.classNames).toEqual(['a', 'b']);
    expect((await u.load(3)).data[0]).toBe(61); // target's image 1
    await expect(u.load(5)).rejects.toThrow(/index 5 out of range \[0, 5\)/);
  });

  it('drops labels when labelled sources name their classes differently', () => {
    const u = unionSources([fake('x', [0, 1], ['cat', 'dog']), fake('y', [0], ['car'])]);
    expect(u.records.map((r) => r.label)).toEqual([undefined, undefined, undefined]);
    expect(u.classNames).toBeUndefined();
  });
});
