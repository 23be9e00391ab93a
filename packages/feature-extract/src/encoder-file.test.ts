import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputDataError, UsageError } from '@twindb/core-tensors';
import { afterAll, describe, expect, it } from 'vitest';
import { encoderFile } from './encoder-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'twindb-encoder-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("encoderFile (the seed's --pretext_model)", () => {
  it('takes an ONNX file as it is, and a twindb pretext run folder or a .safetensors file in it as its encoder.onnx', () => {
    const run = path.join(dir, 'run');
    mkdirSync(run);
    writeFileSync(path.join(run, 'encoder.onnx'), 'onnx');
    writeFileSync(path.join(run, 'model.safetensors'), 'weights');
    expect(encoderFile(path.join(dir, 'any.onnx'))).toBe(path.join(dir, 'any.onnx')); // missing: reported where it is read
    expect(encoderFile(run)).toBe(path.join(run, 'encoder.onnx'));
    expect(encoderFile(path.join(run, 'model.safetensors'))).toBe(path.join(run, 'encoder.onnx'));
  });

  it('refuses a folder or weights file without encoder.onnx (exit 3) and a PyTorch checkpoint (exit 2), saying what to give', () => {
    const empty = path.join(dir, 'not-a-run');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'checkpoint.safetensors'), 'weights');
    for (const given of [empty, path.join(empty, 'checkpoint.safetensors')]) {
      const err = (() => {
        try {
          return encoderFile(given);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InputDataError);
      expect(String(err)).toMatch(/not-a-run(\/checkpoint\.safetensors)?: a (folder|weights file in a folder) without encoder\.onnx; give the ONNX encoder file, or a twindb pretext run folder/);
    }
    expect(() => encoderFile(path.join(dir, 'simclr_svkpi.pth.tar'))).toThrow(UsageError);
    expect(() => encoderFile(path.join(dir, 'simclr_svkpi.pth.tar'))).toThrow(/simclr_svkpi\.pth\.tar is a PyTorch checkpoint; twindb embeds with an ONNX encoder/);
  });
});
