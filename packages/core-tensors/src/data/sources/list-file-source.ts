import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeImageFile } from '../decode/decode-image-file.js';
import { parseDelimited, sniffDelimiter } from './delimited-text.js';
import type { ImageFormat, ImageRecord, ImageSource } from './image-source.js';

export interface ListFileSourceOptions {
  format?: ImageFormat;
  name?: string;
}

/**
 * A CSV or TSV list with a header row: `path` (required), `label` and `id` (optional). Relative
 * paths resolve against the list file's folder. Labels are either all integers (used as class ids)
 * or all names (sorted, then numbered); empty label cells mean "unlabelled". Ids default to the path
 * as written and must be unique.
 */
export async function openListFileSource(file: string, opts: ListFileSourceOptions = {}): Promise<ImageSource> {
  const name = opts.name ?? `list:${file}`;
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    throw new Error(`${name}: cannot read list file ${abs}`);
  }
  const rows = parseListText(text, abs);
  const header = rows[0]?.map((h) => h.trim().toLowerCase());
  if (!header) throw new Error(`${name}: list file ${abs} is empty (expected a header row with a "path" column)`);
  const col = (k: string) => header.indexOf(k);
  const pathCol = col('path');
  if (pathCol < 0) {
    throw new Error(`${name}: list file ${abs} has no "path" column in its header (found: ${rows[0].join(', ')})`);
  }
  const labelCol = col('label');
  const idCol = col('id');
  const dir = path.dirname(abs);
  const rawLabels: (string | undefined)[] = [];
  const base: { id: string; path: string }[] = [];
  const seen = new Map<string, number>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    const line = r + 1;
    const p = (row[pathCol] ?? '').trim();
    if (p === '') throw new Error(`${name}: ${abs} row ${line}: empty "path" cell`);
    const id = idCol >= 0 && (row[idCol] ?? '').trim() !== '' ? row[idCol].trim() : p;
    const prev = seen.get(id);
    if (prev !== undefined) throw new Error(`${name}: ${abs} rows ${prev} and ${line}: duplicate id "${id}"`);
    seen.set(id, line);
    base.push({ id, path: path.resolve(dir, p) });
    const l = labelCol >= 0 ? (row[labelCol] ?? '').trim() : '';
    rawLabels.push(l === '' ? undefined : l);
  }
  if (base.length === 0) throw new Error(`${name}: list file ${abs} has a header but no rows`);
  const { labels, classNames } = mapLabels(rawLabels, `${name}: ${abs}`);
  const records: ImageRecord[] = base.map((b, i) => (labels[i] === undefined ? b : { ...b, label: labels[i] }));
  const format = opts.format ?? {};
  return { name, records, classNames, fileFormat: format, load: (i) => decodeImageFile(records[i].path!, format) };
}

function parseListText(text: string, file: string): string[][] {
  try {
    return parseDelimited(text, sniffDelimiter(file, text));
  } catch (err) {
    throw new Error(`list file ${file}: ${(err as Error).message}`);
  }
}

/** All-integer labels are class ids; all-name labels are numbered in sorted order; a mix is an error. */
function mapLabels(raw: (string | undefined)[], where: string): { labels: (number | undefined)[]; classNames?: string[] } {
  let kind: 'int' | 'name' | undefined;
  let firstRow = 0;
  raw.forEach((l, i) => {
    if (l === undefined) return;
    const k = /^\d+$/.test(l) ? 'int' : 'name';
    if (kind === undefined) {
      kind = k;
      firstRow = i + 2;
    } else if (k !== kind) {
      throw new Error(
        `${where} row ${i + 2}: label "${l}" is ${k === 'int' ? 'an integer' : 'a name'} but row ${firstRow} has ${kind === 'int' ? 'an integer' : 'a name'} (expected one type in the label column)`,
      );
    }
  });
  if (kind === 'int') return { labels: raw.map((l) => (l === undefined ? undefined : Number(l))) };
  if (kind === 'name') {
    const classNames = [...new Set(raw.filter((l): l is string => l !== undefined))].sort();
    const index = new Map(classNames.map((c, i) => [c, i]));
    return { labels: raw.map((l) => (l === undefined ? undefined : index.get(l))), classNames };
  }
  return { labels: raw.map(() => undefined) };
}
