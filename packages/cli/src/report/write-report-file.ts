import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OutputPathError, planOutputFile, readRunManifest, recordRunFiles, RUN_MANIFEST, writeFileAtomic } from '@twindb/core-tensors';

/** The first bytes of every report twindb writes (renderPage's generator tag). */
export const REPORT_MARKER = '<meta name="generator" content="twindb report">';

/**
 * Checks, before any work, that the report may be written at `file`: a new file, or one twindb
 * wrote (listed in its folder's `.twindb-run.json`, or carrying twindb's generator tag). Anything
 * else there — a file of yours, a folder — is refused with an OutputPathError (exit 2).
 */
export async function checkReportFile(file: string): Promise<string> {
  const abs = path.resolve(file);
  // A folder, socket, missing or unwritable location is refused here (output-path.ts).
  const target = await planOutputFile(abs, { what: '--out' });
  if (target.kind !== 'atomic') return abs;
  const st = await fs.stat(target.path).catch(() => undefined);
  if (!st) return abs;
  const manifest = await readRunManifest(path.dirname(abs));
  if (manifest?.files.includes(path.basename(abs))) return abs;
  if (await hasMarker(target.path)) return abs;
  throw new OutputPathError(
    abs,
    `--out ${abs} exists and twindb did not write it (it is not a twindb report and ${RUN_MANIFEST} does not list it); twindb never replaces it: move it or give --out another file`,
  );
}

/**
 * Writes the report atomically (temp file + rename) after checking it again; in a twindb folder the
 * file is first listed in its `.twindb-run.json`, so that it counts as twindb's there.
 */
export async function writeReportFile(file: string, html: string): Promise<string> {
  const abs = await checkReportFile(file);
  await recordRunFiles(path.dirname(abs), [path.basename(abs)]);
  await writeFileAtomic(abs, html);
  return abs;
}

async function hasMarker(file: string): Promise<boolean> {
  let h: FileHandle | undefined;
  try {
    h = await fs.open(file, 'r');
    const buf = Buffer.alloc(1024);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8').includes(REPORT_MARKER);
  } catch {
    return false;
  } finally {
    await h?.close();
  }
}
