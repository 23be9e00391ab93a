import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { claimRunFolder, OutputPathError, readRunManifest } from '@twindb/core-tensors';
import { decodeSafetensors, ONNX_INPUT, ONNX_OUTPUT, readTrainingCheckpoint } from '@twindb/core-tensors/nn';
import { type EpochRecord, NonFiniteLossError, RUN_FILES, trainSimclr } from '@twindb/pretext';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../test-backend.js';
import { tinyConfig } from './tiny-config.js';

beforeAll(() => useBackend('wasm'));

const quiet = () => {};
const runDir = () => mkdtempSync(path.join(tmpdir(), 'pretext-run-'));
const weights = async (dir: string) => {
  const { tensors } = decodeSafetensors(await readFile(path.join(dir, RUN_FILES.model)), dir);
  return new Map([...tensors].map(([k, v]) => [k, Array.from(v.data)]));
};
const epochLines = (dir: string) =>
  readFileSync(path.join(dir, RUN_FILES.trainLog), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochRecord);

describe('trainSimclr', () => {
  it('2 epochs in one go equal 1 epoch + resume for 1 epoch, weight for weight', async () => {
    const config = tinyConfig({ epochs: 2 });
    const whole = runDir();
    const r = await trainSimclr({ config, runDir: whole, log: quiet });
    expect(r.epochsCompleted).toBe(2);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(r.history[0].steps).toBe(4); // 64 digits / batch 16
    expect(r.modelPath).toBe(path.join(whole, RUN_FILES.model));
    // the trained encoder is exported for ONNX Runtime extraction and yields unit-length embeddings
    expect(r.onnxPath).toBe(path.join(whole, RUN_FILES.onnx));
    const session = await ort.InferenceSession.create(r.onnxPath as string);
    const crop = config.transformation_kwargs.crop_size;
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', new Float32Array(2 * crop * crop).fill(0.5), [2, crop, crop, 1]) });
    const e = out[ONNX_OUTPUT].data as Float32Array;
    expect(Math.hypot(...e.slice(0, e.length / 2))).toBeCloseTo(1, 5);
    // memory stays flat: no tensor survives an epoch
    expect(r.history[1].numTensors).toBe(r.history[0].numTensors);
    expect(epochLines(whole).map((l) => l.epoch)).toEqual([1, 2]);
    expect(r.knn?.head.queries).toBe(40);

    const split = runDir();
    const first = await trainSimclr({ config, runDir: split, log: quiet, untilEpoch: 1 });
    expect(first.modelPath).toBeUndefined();
    expect(first.onnxPath).toBeUndefined();
    expect((await readTrainingCheckpoint(first.checkpointPath)).info.epoch).toBe(1);
    const second = await trainSimclr({ config, runDir: split, log: quiet, resume: true });
    expect(second.startEpoch).toBe(1);
    expect(second.history.map((h) => h.epoch)).toEqual([2]);
    expect(second.finalLoss).toBe(r.finalLoss);
    expect(await weights(split)).toEqual(await weights(whole));
    expect(epochLines(split).map((l) => l.epoch)).toEqual([1, 2]);
    // the run folder carries its manifest, listing every file in it
    const m = await readRunManifest(split);
    expect(m).toMatchObject({ tool: 'twindb', command: 'pretext' });
    expect(readdirSync(split).filter((f) => f !== '.twindb-run.json' && !m!.files.includes(f))).toEqual([]);
  });

  it('refuses a foreign run folder before any compute, naming it, and leaves its files as they were', async () => {
    const foreign = runDir();
    const mine = path.join(foreign, RUN_FILES.onnx);
    writeFileSync(mine, 'my own encoder');
    mkdirSync(path.join(foreign, 'photos'));
    const err = await trainSimclr({ config: tinyConfig({ epochs: 1 }), runDir: foreign, log: quiet, resume: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputPathError);
    expect((err as OutputPathError).exitCode).toBe(2);
    expect((err as Error).message).toContain(`--out ${foreign} is not a twindb pretext folder (no .twindb-run.json; it holds encoder.onnx)`);
    expect(readdirSync(foreign).sort()).toEqual(['encoder.onnx', 'photos']);
    expect(readFileSync(mine, 'utf8')).toBe('my own encoder');
    // another step's folder too
    const scan = runDir();
    await claimRunFolder(scan, { command: 'scan', files: ['checkpoint.safetensors'] });
    await expect(trainSimclr({ config: tinyConfig({ epochs: 1 }), runDir: scan, log: quiet })).rejects.toThrow(/output folder of `twindb scan`, not of `twindb pretext`/);
  });

  it('refuses to resume under a changed config, naming the keys', async () => {
    const dir = runDir();
    await trainSimclr({ config: tinyConfig({ epochs: 2 }), runDir: dir, log: quiet, untilEpoch: 1 });
    const changed = tinyConfig({ epochs: 2, optimizer_kwargs: { lr: 0.002, weight_decay: 0.000001 }, batch_size: 8 });
    const err = await trainSimclr({ config: changed, runDir: dir, log: quiet, resume: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/refusing to resume, the config changed since the checkpoint was written/);
    expect((err as Error).message).toMatch(/batch_size: 16 → 8/);
    expect((err as Error).message).toMatch(/optimizer_kwargs\.lr: 0\.001 → 0\.002/);
    // monitoring settings may change
    const r = await trainSimclr({ config: tinyConfig({ epochs: 2, knn: { every: 0 } }), runDir: dir, log: quiet, resume: true });
    expect(r.history.map((h) => h.knn)).toEqual([undefined]);
  });

  it('does not overwrite an existing run without resume', async () => {
    const dir = runDir();
    await trainSimclr({ config: tinyConfig({ epochs: 1 }), runDir: dir, log: quiet });
    await expect(trainSimclr({ config: tinyConfig({ epochs: 1 }), runDir: dir, log: quiet })).rejects.toThrow(/checkpoint\.safetensors exists: pass resume/);
  });

  it('rejects a DB smaller than the batch size', async () => {
    await expect(trainSimclr({ config: tinyConfig({ train_db: 'mnist:pool?n=10' }), runDir: runDir(), log: quiet })).rejects.toThrow(
      /train_db \(mnist:pool\?n=10\) has 10 images, fewer than batch_size 16/,
    );
  });

  it('stops on a non-finite loss, naming epoch and step, and keeps the last good checkpoint', async () => {
    const dir = runDir();
    // lr × 1e30 from epoch 2 on: the weights blow up within a few steps
    const config = tinyConfig({ epochs: 3, scheduler: 'step', scheduler_kwargs: { lr_decay_rate: 1e30, lr_decay_epochs: [0] } });
    const err = await trainSimclr({ config, runDir: dir, log: quiet }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    const e = err as NonFiniteLossError;
    expect(e.epoch).toBe(2);
    expect(e.message).toMatch(/pretext training stopped at epoch 2(, step \d\/4)?: .*last good checkpoint \(epoch 1\) is kept at .*checkpoint\.safetensors/);
    const ckpt = await readTrainingCheckpoint(path.join(dir, RUN_FILES.checkpoint));
    expect(ckpt.info.epoch).toBe(1);
    expect([...ckpt.tensors.values()].every((t) => t.data.every(Number.isFinite))).toBe(true);
    expect(existsSync(path.join(dir, RUN_FILES.model))).toBe(false);
  });
});
