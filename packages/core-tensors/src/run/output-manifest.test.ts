import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputPathError } from '../errors/twindb-error.js';
import { checkOutputFolder, claimRunFolder, readRunManifest, recordRunFiles, removeOwnedOutput, RUN_MANIFEST, writeRunManifest } from './output-manifest.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'twindb-manifest-'));
let n = 0;
function twindbFolder(files: string[]): string {
  const d = path.join(root, `out${n++}`);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
    writeFileSync(path.join(d, f), f);
  }
  return d;
}

describe('output folder ownership', () => {
  it('lists what twindb wrote, and --overwrite removes exactly that', async () => {
    const d = twindbFolder(['selected.csv', 'images/a.png', 'report.json']);
    const m = await writeRunManifest(d, 'sample');
    expect(m).toMatchObject({ tool: 'twindb', command: 'sample', files: ['images/a.png', 'report.json', 'selected.csv'] });
    expect(await readRunManifest(d)).toEqual(m);
    const check = await checkOutputFolder(d, { command: 'sample', overwrite: true });
    expect(check).toMatchObject({ exists: true, manifest: m });
    await removeOwnedOutput(d, { command: 'sample' });
    expect(existsSync(d)).toBe(false);
  });

  it('refuses, naming what is in the way: no --overwrite, a file, a foreign folder, a foreign file in a twindb folder', async () => {
    const d = twindbFolder(['selected.csv']);
    await writeRunManifest(d, 'sample');
    await expect(checkOutputFolder(d, { command: 'sample', overwrite: false })).rejects.toThrow(/already exists \(pass --overwrite/);
    writeFileSync(path.join(d, 'my-notes.txt'), 'precious');
    await expect(removeOwnedOutput(d, { command: 'sample' })).rejects.toThrow(/holds files twindb did not write: my-notes\.txt/);
    expect(readdirSync(d).sort()).toEqual([RUN_MANIFEST, 'my-notes.txt', 'selected.csv']);

    const foreign = twindbFolder(['photos/cat.jpg', 'thesis.tex']);
    const err = await checkOutputFolder(foreign, { command: 'sample', overwrite: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputPathError);
    expect((err as OutputPathError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/is not a twindb output folder \(no \.twindb-run\.json; it holds photos\/cat\.jpg, thesis\.tex\)/);

    const file = path.join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(checkOutputFolder(file, { command: 'sample', overwrite: true })).rejects.toThrow(/is a file, not a twindb output folder/);
  });

  it('refuses inputs and DBs inside or equal to the output, whatever is there', async () => {
    const d = twindbFolder(['pool.arrow', 'db/x.png']);
    await expect(checkOutputFolder(d, { command: 'sample', overwrite: true, inputs: [path.join(d, 'pool.arrow')] })).rejects.toThrow(/holds the input .*pool\.arrow/);
    await expect(checkOutputFolder(d, { command: 'sample', overwrite: true, inputs: [path.join(d, 'db')] })).rejects.toThrow(/holds the input/);
    await expect(checkOutputFolder(path.join(d, 'db', 'out'), { command: 'sample', overwrite: true, dbs: [path.join(d, 'db')] })).rejects.toThrow(/overlaps the image DB/);
    expect(await checkOutputFolder(path.join(root, 'new'), { command: 'sample', overwrite: false, inputs: [path.join(d, 'pool.arrow')] })).toEqual({ out: path.join(root, 'new'), exists: false });
  });

  it('an empty folder may be replaced; a dead run\'s temp inside a twindb folder does not block it', async () => {
    const empty = twindbFolder([]);
    mkdirSync(empty);
    expect(await checkOutputFolder(empty, { command: 'sample', overwrite: true })).toMatchObject({ exists: true });
    const d = twindbFolder(['a.csv']);
    await writeRunManifest(d, 'sample');
    writeFileSync(path.join(d, '.a.csv.twindb-4194999-00aa11bb.tmp'), 'partial');
    await removeOwnedOutput(d, { command: 'sample' });
    expect(existsSync(d)).toBe(false);
  });
});

describe('run folders written in place (pretext, scan, selflabel, pipeline)', () => {
  const files = ['checkpoint.safetensors', 'model.safetensors', 'scan.log.jsonl', 'features/'];
  const claim = (d: string, more: Partial<Parameters<typeof claimRunFolder>[1]> = {}) => claimRunFolder(d, { command: 'scan', files, legacyMarker: 'scan.log.jsonl', ...more });

  it('creates a new folder, or takes an empty one, listing what the command writes before it writes anything', async () => {
    const d = path.join(root, 'run-new', 'deep');
    const c = await claim(d);
    expect(c).toMatchObject({ out: d, created: true, adopted: false });
    expect(await readRunManifest(d)).toEqual({ tool: 'twindb', command: 'scan', version: expect.any(String) as string, files: [...files].sort() });
    expect(readdirSync(d)).toEqual([RUN_MANIFEST]);
    const empty = twindbFolder([]);
    mkdirSync(empty);
    expect(await claim(empty)).toMatchObject({ created: false, adopted: false, manifest: { command: 'scan' } });
  });

  it('continues its own folder: claimed files are its own, files it never writes may sit beside them', async () => {
    const d = path.join(root, 'run-own');
    await claim(d);
    writeFileSync(path.join(d, 'checkpoint.safetensors'), 'epoch 1');
    mkdirSync(path.join(d, 'features'));
    writeFileSync(path.join(d, 'features', 'train.arrow'), 'x');
    writeFileSync(path.join(d, 'my-notes.txt'), 'precious');
    const killed = '.model.safetensors.twindb-4194999-00aa11bb.tmp';
    const live = `.checkpoint.safetensors.twindb-${process.pid}-00aa11bb.tmp`;
    writeFileSync(path.join(d, killed), 'killed run');
    writeFileSync(path.join(d, live), 'a run still writing');
    writeFileSync(path.join(d, '.my-notes.txt.twindb-4194999-00aa11bb.tmp'), 'not an output of this command');
    const again = await claim(d, { files: [...files, 'prototypes.png'] });
    expect(again.manifest.files).toEqual([...files, 'prototypes.png'].sort());
    expect(readFileSync(path.join(d, 'my-notes.txt'), 'utf8')).toBe('precious');
    // the killed run's temp of an output goes; a live writer's and a temp of a file it never writes stay
    expect(again.removedTemps.map((p) => path.basename(p))).toEqual([killed]);
    expect(existsSync(path.join(d, killed))).toBe(false);
    expect(existsSync(path.join(d, live))).toBe(true);
    expect(existsSync(path.join(d, '.my-notes.txt.twindb-4194999-00aa11bb.tmp'))).toBe(true);
  });

  it('refuses a foreign folder, a file, another command\'s folder and a foreign file where it writes, naming them, touching nothing', async () => {
    const foreign = twindbFolder(['thesis.tex', 'photos/cat.jpg']);
    const err = await claim(foreign).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputPathError);
    expect((err as OutputPathError).exitCode).toBe(2);
    expect((err as OutputPathError).path).toBe(foreign);
    expect((err as Error).message).toContain(`--out ${foreign} is not a twindb scan folder (no .twindb-run.json; it holds photos/cat.jpg, thesis.tex)`);
    expect(readdirSync(foreign).sort()).toEqual(['photos', 'thesis.tex']);
    expect(readFileSync(path.join(foreign, 'thesis.tex'), 'utf8')).toBe('thesis.tex');

    const file = path.join(root, 'run-file');
    writeFileSync(file, 'x');
    await expect(claim(file)).rejects.toThrow(/is a file, not a twindb output folder/);

    const pretext = path.join(root, 'run-pretext');
    await claimRunFolder(pretext, { command: 'pretext', files: ['checkpoint.safetensors'] });
    await expect(claim(pretext)).rejects.toThrow(/is the output folder of `twindb pretext`, not of `twindb scan`/);
    // nor may sample --overwrite replace another command's folder
    await expect(checkOutputFolder(pretext, { command: 'sample', overwrite: true })).rejects.toThrow(/output folder of `twindb pretext`, not of `twindb sample`/);

    const d = path.join(root, 'run-collide');
    await claimRunFolder(d, { command: 'scan', files: ['checkpoint.safetensors'] });
    writeFileSync(path.join(d, 'model.safetensors'), 'my own model');
    await expect(claim(d)).rejects.toThrow(/holds files twindb did not write where `twindb scan` writes: model\.safetensors/);
    expect(readFileSync(path.join(d, 'model.safetensors'), 'utf8')).toBe('my own model');
    expect((await readRunManifest(d))?.files).toEqual(['checkpoint.safetensors']);
  });

  it('refuses inputs and DBs inside it, and an output inside a DB', async () => {
    const d = twindbFolder(['train.arrow']);
    await expect(claim(d, { inputs: [path.join(d, 'train.arrow')] })).rejects.toThrow(/holds the input .*train\.arrow/);
    await expect(claim(path.join(d, 'sub'), { dbs: [d] })).rejects.toThrow(/overlaps the image DB/);
    expect(existsSync(path.join(d, 'sub'))).toBe(false);
    // an input twindb staged in the folder's own sub-folder (scan --pretext embeds into <out>/features/) may stay
    const run = path.join(root, 'run-staged');
    await claim(run);
    mkdirSync(path.join(run, 'features'));
    writeFileSync(path.join(run, 'features', 'train.arrow'), 'embedded by twindb');
    expect(await claim(run, { inputs: [path.join(run, 'features', 'train.arrow')] })).toMatchObject({ created: false });
    await expect(claim(run, { inputs: [path.join(run, 'model.safetensors')] })).rejects.toThrow(/holds the input/);
    const foreign = twindbFolder(['features/train.arrow']);
    await expect(claim(foreign, { inputs: [path.join(foreign, 'features', 'train.arrow')] })).rejects.toThrow(/holds the input/);
  });

  it('adopts a run folder of an earlier version (its step log and nothing but its files), not a folder that merely shares a name', async () => {
    const old = twindbFolder(['scan.log.jsonl', 'checkpoint.safetensors', 'features/train.arrow']);
    expect(await claim(old)).toMatchObject({ adopted: true, manifest: { command: 'scan', files: [...files].sort() } });
    const mixed = twindbFolder(['scan.log.jsonl', 'checkpoint.safetensors', 'thesis.tex']);
    await expect(claim(mixed)).rejects.toThrow(/is not a twindb scan folder .*thesis\.tex/);
    const noLog = twindbFolder(['model.safetensors']);
    await expect(claim(noLog)).rejects.toThrow(/is not a twindb scan folder .*model\.safetensors/);
    expect(await readRunManifest(noLog)).toBeUndefined();
  });

  it('a later step may list the files it adds beside a step\'s outputs; removeOwnedOutput then removes them too', async () => {
    const d = twindbFolder(['selected.csv']);
    await writeRunManifest(d, 'sample');
    writeFileSync(path.join(d, 'labels.csv'), 'id');
    await expect(removeOwnedOutput(d, { command: 'sample' })).rejects.toThrow(/labels\.csv/);
    await recordRunFiles(d, ['labels.csv', 'labels.arrow']);
    expect((await readRunManifest(d))?.files).toEqual(['labels.arrow', 'labels.csv', 'selected.csv']);
    await removeOwnedOutput(d, { command: 'sample' });
    expect(existsSync(d)).toBe(false);
  });

  it('recordRunFiles with replace drops the entries under that prefix it does not name, and keeps the rest', async () => {
    const d = twindbFolder(['selected.csv']);
    await writeRunManifest(d, 'sample');
    await recordRunFiles(d, ['images/0/a.png', 'images/1/b.png', 'labels.csv']);
    await recordRunFiles(d, ['images/1/b.png', 'images/2/c.png'], { replace: 'images/' });
    expect((await readRunManifest(d))?.files).toEqual(['images/1/b.png', 'images/2/c.png', 'labels.csv', 'selected.csv']);
  });
});
