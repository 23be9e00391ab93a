import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { ImageSource } from './image-source.js';

/**
 * A DB's identity as read now, for deciding whether an output made from it is still current:
 * SHA-256 over the spec and, for each record of `[first, end)` in order, its id, label, and for
 * file-backed records the file's size and mtime (a replaced, grown, shrunk or relabelled DB gives
 * another fingerprint; nothing is decoded). Records without a file (embedded or binary DBs) add
 * their id and label. An annotation file (`annotationPath`, VOC `Annotations/<name>.xml`) adds its size
 * and mtime, or that it is missing, so adding, editing or removing one gives another fingerprint.
 */
export async function dbFingerprint(source: ImageSource, first = 0, end = source.records.length): Promise<string> {
  const h = createHash('sha256');
  h.update(`twindb-db-fingerprint-1\n${source.name}\n`);
  const CHUNK = 256;
  for (let i = first; i < end; i += CHUNK) {
    const recs = source.records.slice(i, Math.min(end, i + CHUNK));
    const stamps = await Promise.all(recs.map((r) => (r.path === undefined ? '' : fileStamp(r.path))));
    // Annotation files (VOC XML) add a field only when the source has them, so the fingerprints of
    // other DBs (and the outputs made from them) stay what they were.
    const notes = await Promise.all(recs.map((r) => (r.annotationPath === undefined ? undefined : fileStamp(r.annotationPath))));
    recs.forEach((r, k) => h.update(`${r.id}\t${r.label ?? ''}\t${stamps[k]}${notes[k] === undefined ? '' : `\t${notes[k]}`}\n`));
  }
  return h.digest('hex');
}

function fileStamp(file: string): Promise<string> {
  return stat(file).then(
    (s) => `${s.size}\t${Math.round(s.mtimeMs)}`,
    (err: NodeJS.ErrnoException) => `missing:${err.code}`,
  );
}
