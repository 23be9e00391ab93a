import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputPathError } from '../errors/twindb-error.js';
import { checkOutputFolder, readRunManifest, removeOwnedOutput, RUN_MANIFEST, writeRunManifest } from './output-manifest.js';

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
