import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunManifest, writeRunManifest } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { REPORT_MARKER, writeReportFile } from './write-report-file.js';

const page = (body: string) => `<!DOCTYPE html><html><head>${REPORT_MARKER}</head><body>${body}</body></html>\n`;

describe('writeReportFile', () => {
  it('writes a new file atomically, and lists it in the folder\'s manifest when the folder has one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-write-'));
    await writeRunManifest(dir, 'sample');
    const file = path.join(dir, 'report.html');
    await writeReportFile(file, page('one'));
    expect(readFileSync(file, 'utf8')).toBe(page('one'));
    expect((await readRunManifest(dir))?.files).toContain('report.html');
    // its own file is replaced; no temp is left
    await writeReportFile(file, page('two'));
    expect(readFileSync(file, 'utf8')).toBe(page('two'));
    expect(readdirSync(dir).sort()).toEqual(['.twindb-run.json', 'report.html']);
  });

  it('refuses a file twindb did not write (exit 2), and leaves it as it was', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-write-'));
    await writeRunManifest(dir, 'sample');
    const file = path.join(dir, 'report.html');
    writeFileSync(file, 'my notes\n');
    await expect(writeReportFile(file, page('x'))).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('twindb did not write it') });
    expect(readFileSync(file, 'utf8')).toBe('my notes\n');
    expect((await readRunManifest(dir))?.files).not.toContain('report.html');
  });

  it('outside a twindb folder: a new file, or a twindb report (its generator tag), but never a folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-report-write-'));
    const file = path.join(dir, 'r.html');
    await writeReportFile(file, page('a'));
    await writeReportFile(file, page('b'));
    expect(readFileSync(file, 'utf8')).toBe(page('b'));
    mkdirSync(path.join(dir, 'folder.html'));
    await expect(writeReportFile(path.join(dir, 'folder.html'), page('c'))).rejects.toMatchObject({ code: 'usage' });
  });
});
