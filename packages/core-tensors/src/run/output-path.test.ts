import { mkdirSync, mkdtempSync, readFileSync, readdirSync, lstatSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputPathError } from '../errors/twindb-error.js';
import { writeFileAtomic } from './atomic-file.js';
import { planOutputFile } from './output-path.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-outpath-'));

describe('planOutputFile', () => {
  it('refuses an input (same inode, also through a link or a second name), naming it', async () => {
    const input = path.join(dir, 'a.csv');
    writeFileSync(input, 'path,f0\n');
    symlinkSync(input, path.join(dir, 'link.csv'));
    await expect(planOutputFile(input, { inputs: [input] })).rejects.toThrow(OutputPathError);
    await expect(planOutputFile(input, { inputs: [input] })).rejects.toThrow(/is the input .*a\.csv.*give another output name/);
    await expect(planOutputFile(path.join(dir, 'link.csv'), { inputs: [input] })).rejects.toThrow(/through the link/);
  });

  it('writes a symlink through to its target and keeps the link', async () => {
    const target = path.join(dir, 'real.json');
    const link = path.join(dir, 'via-link.json');
    writeFileSync(target, 'old');
    symlinkSync(target, link);
    expect(await planOutputFile(link)).toMatchObject({ kind: 'atomic', path: target });
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
  });

  it('writes devices in place (never replaces /dev/null), `-` only where allowed, refuses folders', async () => {
    expect(await planOutputFile('/dev/null')).toMatchObject({ kind: 'direct', path: '/dev/null' });
    await writeFileAtomic('/dev/null', 'x');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(await planOutputFile('-', { allowStdout: true })).toEqual({ kind: 'stdout', requested: '-' });
    await expect(planOutputFile('-')).rejects.toThrow(/stdout is accepted only where a single file is written/);
    mkdirSync(path.join(dir, 'sub'));
    await expect(planOutputFile(path.join(dir, 'sub'))).rejects.toThrow(/is a folder; give the name of a file/);
  });

  it('finds an unwritable location before any work, and leaves no probe behind', async () => {
    const file = path.join(dir, 'plain');
    writeFileSync(file, '');
    await expect(planOutputFile(path.join(file, 'x.arrow'))).rejects.toThrow(/cannot write there: a path component is not a folder/);
    await expect(planOutputFile(path.join(dir, 'missing', 'x.arrow'))).rejects.toThrow(/its folder does not exist/);
    expect(await planOutputFile(path.join(dir, 'made', 'x.arrow'), { createDir: true })).toMatchObject({ kind: 'atomic' });
    expect(readdirSync(path.join(dir, 'made'))).toEqual([]);
  });
});
