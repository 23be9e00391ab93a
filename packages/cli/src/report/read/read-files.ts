import { existsSync, promises as fs } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { parseCsvLine } from '@twindb/core-tensors';

/** A file's JSON, or undefined when it is absent or does not parse (the report says what is missing instead). */
export async function readJson<T = Record<string, unknown>>(file: string): Promise<T | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Every parseable JSON line of a `.jsonl` file (a line being written when a run was killed is skipped). */
export async function readJsonLines<T = Record<string, unknown>>(file: string): Promise<T[] | undefined> {
  if (!existsSync(file)) return undefined;
  const out: T[] = [];
  for (const line of (await fs.readFile(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a torn last line
    }
  }
  return out;
}

export interface CsvTable {
  header: string[];
  rows: string[][];
  /** The column's index, or −1. */
  col(name: string): number;
}

/** A CSV with a header row (twindb's own outputs: selected.csv, predictions.csv, confusion.csv, …). */
export async function readCsv(file: string): Promise<CsvTable | undefined> {
  if (!existsSync(file)) return undefined;
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);
  const parse = (l: string) => {
    const r = parseCsvLine(l);
    return 'problem' in r ? l.split(',') : r.fields;
  };
  const header = lines.length ? parse(lines[0]) : [];
  return { header, rows: lines.slice(1).map(parse), col: (name) => header.indexOf(name) };
}

/** `neighbors.arrow` of `twindb sample`: per target its pool neighbours, nearest first. */
export interface TargetNeighbours {
  targetId: string;
  neighbourIds: string[];
  distances: number[];
}

export async function readSampleNeighbours(file: string): Promise<TargetNeighbours[] | undefined> {
  if (!existsSync(file)) return undefined;
  const t = tableFromIPC(await fs.readFile(file));
  const ids = t.getChild('target_id');
  const nb = t.getChild('neighbor_ids');
  const ds = t.getChild('distances');
  if (!ids || !nb || !ds) return undefined;
  const out: TargetNeighbours[] = [];
  for (let i = 0; i < t.numRows; i++) {
    const n = nb.get(i);
    const d = ds.get(i);
    out.push({ targetId: String(ids.get(i)), neighbourIds: n ? Array.from(n as Iterable<string>, String) : [], distances: d ? Array.from(d as Iterable<number>, Number) : [] });
  }
  return out;
}
