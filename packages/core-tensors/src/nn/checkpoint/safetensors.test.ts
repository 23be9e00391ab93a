import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from './safetensors.js';

const tensors = new Map<string, SafetensorsEntry>([
  ['a.weight', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-7, -Infinity]) }],
  ['b', { dtype: 'I32', shape: [3], data: Int32Array.from([7, -1, 2 ** 30]) }],
  ['scalar', { dtype: 'F32', shape: [], data: Float32Array.from([42]) }],
]);

describe('safetensors', () => {
  it('writes the documented layout: u64 LE header length, space-padded JSON header, raw data', () => {
    const bytes = encodeSafetensors(tensors, { epoch: '3' });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
    expect(header.__metadata__).toEqual({ epoch: '3' });
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b).toEqual({ dtype: 'I32', shape: [3], data_offsets: [24, 36] });
    expect(header.scalar).toEqual({ dtype: 'F32', shape: [], data_offsets: [36, 40] });
    expect(bytes.length).toBe(8 + n + 40);
    expect(view.getFloat32(8 + n + 8, true)).toBe(3.5);
    expect(view.getInt32(8 + n + 28, true)).toBe(-1);
  });

  it('round-trips values bit for bit, from an unaligned buffer too', () => {
    const bytes = encodeSafetensors(tensors, { note: 'x' });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const { tensors: back, metadata } = decodeSafetensors(shifted.subarray(1), 'f');
    expect(metadata).toEqual({ note: 'x' });
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(Array.from(back.get(name)!.data)).toEqual(Array.from(t.data));
    }
  });

  it('rejects damaged files, naming the file and the problem', () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.subarray(0, 5), 'c.st')).toThrow(/c\.st: not a valid safetensors file \(5 bytes/);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'c.st')).toThrow(/tensor "scalar" data_offsets \[36, 40\] outside/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge, 'c.st')).toThrow(/header length \d+ exceeds/);
    const bf16 = encodeSafetensors(new Map()).slice();
    const text = '{"w":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}';
    const withBf16 = new Uint8Array(8 + text.length + 2);
    new DataView(withBf16.buffer).setBigUint64(0, BigInt(text.length), true);
    withBf16.set(Buffer.from(text), 8);
    expect(bf16.length).toBe(8 + 8); // an empty file is "{}" padded
    expect(() => decodeSafetensors(withBf16, 'c.st')).toThrow(/tensor "w" has dtype BF16; only F32 and I32/);
  });

  it('refuses a shape that does not match the data', () => {
    const bad = new Map<string, SafetensorsEntry>([['x', { dtype: 'F32', shape: [4], data: new Float32Array(3) }]]);
    expect(() => encodeSafetensors(bad)).toThrow(/"x" has shape \[4\] \(4 values\) but 3 values/);
  });
});
