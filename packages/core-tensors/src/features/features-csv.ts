import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors/twindb-error.js';
import { planOutputFile } from '../run/output-path.js';
import { StreamingAtomicFile } from './streaming-atomic-file.js';
import { formatCsvField, parseCsvLine } from './csv-line.js';
import { FeatureFileError } from './feature-file-error.js';
import { openFeatureFile, readFeatureBatches } from './feature-reader.js';
import { FeatureWriter, type FeatureMetadataInput } from './feature-writer.js';
import { formatFloat32 } from './float32-text.js';

/*
 * CSV features for users of the original Python scripts: `feature_extract.py` wrote
 * `path,f0,f1,…` files. Both directions stream line by line / batch by batch.
 */

export interface ExportFeaturesCsvOptions {
  /** Add an `id` column (needed when ids differ from paths). Default false: `path,f0,…` as the Python scripts wrote. */
  includeId?: boolean;
  /** Add a `label` column (empty when unknown). Default false. */
  includeLabel?: boolean;
  /**
   * The fork's layout (its feature_extract.py, read by its nn_maker.py): no header, one row
   * `name,f0,f1,…` per image with the row's id as the name, written as Python's `csv.writer` writes
   * (a field quoted only when it holds a comma, a quote or a line break, inner quotes doubled; rows
   * end in CRLF). Not combinable with `includeId` / `includeLabel`. Default false.
   */
  headerless?: boolean;
}

/** Python's csv.writer (the default "excel" dialect) ends every row with CRLF. */
const CSV_WRITER_EOL = '\r\n';

/**
 * Writes `path[,id][,label],f0..f{d-1}` (header first), or with `headerless` the fork's `id,f0,…`
 * rows; floats are printed with the fewest digits that read back to the same float32, so an import
 * restores them bit-exactly. Without `includeId` a row whose id differs from its path would lose
 * its id, so that is an error rather than silent. The file is written under a temp name next to
 * `csvPath` and renamed when complete (the temp is removed on any error and on SIGINT/SIGTERM).
 */
export async function exportFeaturesCsv(
  arrowPath: string,
  csvPath: string,
  opts: ExportFeaturesCsvOptions = {},
): Promise<{ rows: number; dim: number }> {
  if (opts.headerless && (opts.includeId || opts.includeLabel)) {
    throw new UsageError(`${csvPath}: the headerless layout is name,f0,f1,… (name = id); it has no id or label column to include`);
  }
  // Checked before reading anything: never over the input, `-` = stdout, a symlink written through.
  const out = await StreamingAtomicFile.create(csvPath, { inputs: [arrowPath], allowStdout: true, what: 'CSV output' });
  let rows = 0;
  let dim = 0;
  try {
    let chunk: string[] = [];
    let chunkChars = 0;
    const emit = async (line: string, force = false) => {
      chunk.push(line);
      chunkChars += line.length;
      if (force || chunkChars > 1 << 20) {
        await out.write([Buffer.from(chunk.join(''), 'utf8')]);
        chunk = [];
        chunkChars = 0;
      }
    };
    dim = (await openFeatureFile(arrowPath)).meta.dim;
    const eol = opts.headerless ? CSV_WRITER_EOL : '\n';
    if (!opts.headerless) {
      const cols = ['path', ...(opts.includeId ? ['id'] : []), ...(opts.includeLabel ? ['label'] : [])];
      for (let j = 0; j < dim; j++) cols.push(`f${j}`);
      await emit(cols.join(',') + eol);
    }
    for await (const b of readFeatureBatches(arrowPath)) {
      for (let r = 0; r < b.ids.length; r++) {
        const id = b.ids[r];
        const path = b.paths[r];
        if (opts.headerless) {
          const fields = [formatCsvField(id)];
          const base = r * dim;
          for (let j = 0; j < dim; j++) fields.push(formatFloat32(b.embeddings[base + j]));
          await emit(fields.join(',') + eol);
          rows++;
          continue;
        }
        if (!opts.includeId && id !== path) {
          throw new FeatureFileError(
            arrowPath,
            `id differs from path ${JSON.stringify(path)}; a path-only CSV would lose it (pass includeId: true)`,
            b.rowOffset + r,
            id,
          );
        }
        const fields = [path === null ? '' : formatCsvField(path)];
        if (opts.includeId) fields.push(formatCsvField(id));
        if (opts.includeLabel) fields.push(b.labels[r] === null ? '' : String(b.labels[r]));
        const base = r * dim;
        for (let j = 0; j < dim; j++) fields.push(formatFloat32(b.embeddings[base + j]));
        await emit(fields.join(',') + eol);
        rows++;
      }
    }
    await emit('', true);
    await out.commit();
    return { rows, dim };
  } catch (err) {
    await out.discard();
    throw err;
  }
}

export interface ImportFeaturesCsvOptions extends Partial<Omit<FeatureMetadataInput, 'dim'>> {
  /** Expected dimension; the header's f-columns must match it. Default: whatever the header says. */
  dim?: number;
  batchRows?: number;
}

/** Rows handed to the writer at a time (independent of the file's record-batch size). */
const IMPORT_CHUNK_ROWS = 1024;

/**
 * Reads `path,f0..f{d-1}` CSV (columns in any order; optional `id` and `label`; a leading pandas
 * index column is ignored), or the fork's headerless `name,f0,f1,…` rows (detected when the first
 * line ends in a number; see {@link splitHeaderlessRow}), into a feature file. Ids default to the path. Every error names the
 * CSV line (1-based, header = line 1) and column.
 */
export async function importFeaturesCsv(
  csvPath: string,
  arrowPath: string,
  opts: ImportFeaturesCsvOptions = {},
): Promise<{ rows: number; dim: number }> {
  const fail = (line: number, column: string | null, problem: string): never => {
    throw new FeatureFileError(csvPath, `line ${line}${column === null ? '' : `, column ${JSON.stringify(column)}`}: ${problem}`);
  };
  // The output is checked before the CSV is read: never the input itself, and writable.
  await planOutputFile(arrowPath, { inputs: [csvPath], allowStdout: true, what: 'Arrow output' });
  const input = createReadStream(csvPath, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let writer: FeatureWriter | null = null;
  try {
    let lineNo = 0;
    let header: ReturnType<typeof parseHeader> | null = null;
    let dim = 0;
    let ids: string[] = [];
    let paths: (string | null)[] = [];
    let labels: (number | null)[] = [];
    let emb = new Float32Array(0);
    let chunkLines: number[] = [];

    // Headerless (the fork's csv.writer files): the name, then the trailing numeric fields.
    let headerless = false;
    for await (let text of lines) {
      lineNo++;
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (lineNo === 1 && isHeaderlessRow(text)) {
        headerless = true;
        const first = splitHeaderlessRow(text);
        if ('problem' in first) return fail(1, null, first.problem);
        dim = first.features.length;
        if (opts.dim !== undefined && dim !== opts.dim) fail(1, null, `has ${dim} feature values, expected dim ${opts.dim}`);
        emb = new Float32Array(IMPORT_CHUNK_ROWS * dim);
        writer = await FeatureWriter.create(
          arrowPath,
          { encoder: opts.encoder ?? 'imported-csv', db: opts.db ?? '', normalized: opts.normalized ?? false, dim },
          { batchRows: opts.batchRows, inputs: [csvPath], allowStdout: true },
        );
      }
      if (headerless) {
        if (text.length === 0) continue;
        const row = splitHeaderlessRow(text);
        if ('problem' in row) return fail(lineNo, null, row.problem);
        if (row.features.length !== dim) {
          fail(lineNo, null, `has ${row.features.length} feature values after the name ${JSON.stringify(row.name)}, the first row has ${dim} (rows must agree in dimension)`);
        }
        const k = ids.length;
        emb.set(row.features, k * dim);
        ids.push(row.name);
        paths.push(row.name);
        labels.push(null);
        chunkLines.push(lineNo);
        if (ids.length === IMPORT_CHUNK_ROWS) await flush();
        continue;
      }
      if (lineNo === 1) {
        header = parseHeader(text, opts.dim, (col, problem) => fail(1, col, problem));
        dim = header.dim;
        emb = new Float32Array(IMPORT_CHUNK_ROWS * dim);
        writer = await FeatureWriter.create(
          arrowPath,
          {
            encoder: opts.encoder ?? 'imported-csv',
            db: opts.db ?? '',
            normalized: opts.normalized ?? false,
            dim,
          },
          { batchRows: opts.batchRows, inputs: [csvPath], allowStdout: true },
        );
        continue;
      }
      if (text.length === 0) continue;
      const h = header as NonNullable<typeof header>;
      const parsed = parseCsvLine(text);
      if ('problem' in parsed) fail(lineNo, h.names[parsed.column - 1] ?? `#${parsed.column}`, parsed.problem);
      const fields = (parsed as { fields: string[] }).fields;
      if (fields.length !== h.names.length) {
        fail(lineNo, null, `has ${fields.length} fields, the header has ${h.names.length}`);
      }
      const path = h.path >= 0 && fields[h.path] !== '' ? fields[h.path] : null;
      const id = h.id >= 0 ? fields[h.id] : path;
      if (!id) fail(lineNo, h.id >= 0 ? 'id' : 'path', 'empty; every row needs an id (or a path to use as id)');
      let label: number | null = null;
      if (h.label >= 0 && fields[h.label] !== '') {
        const v = Number(fields[h.label]);
        if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
          fail(lineNo, 'label', `${JSON.stringify(fields[h.label])} is not an int32 (leave it empty when unknown)`);
        }
        label = v;
      }
      const k = ids.length;
      for (let j = 0; j < dim; j++) {
        const s = fields[h.features[j]];
        const v = s.trim() === '' ? NaN : Number(s);
        if (!Number.isFinite(v)) fail(lineNo, `f${j}`, `${JSON.stringify(s)} is not a finite number`);
        emb[k * dim + j] = v;
      }
      ids.push(id as string);
      paths.push(path);
      labels.push(label);
      chunkLines.push(lineNo);
      if (ids.length === IMPORT_CHUNK_ROWS) await flush();
    }
    if (!header && !headerless) fail(1, null, 'empty file; expected a header path,f0,f1,… or rows name,f0,f1,…');
    await flush();
    const w = writer as unknown as FeatureWriter;
    const { rows } = await w.close();
    return { rows, dim };

    /** Hands the pending rows to the writer; its errors name the Arrow row, so map them back to the CSV line. */
    async function flush() {
      if (!writer || ids.length === 0) return;
      const before = writer.rowCount;
      try {
        await writer.appendBatch({ ids, paths, labels, embeddings: emb.subarray(0, ids.length * dim) });
      } catch (err) {
        const line = err instanceof FeatureFileError && err.row !== undefined ? chunkLines[err.row - before] : undefined;
        if (err instanceof FeatureFileError && line !== undefined) {
          const column = /duplicate id|id is/.test(err.problem) ? (headerless ? 'name' : header && header.id >= 0 ? 'id' : 'path') : null;
          fail(line, column, `${err.problem}${err.id === undefined ? '' : ` (id ${JSON.stringify(err.id)})`}`);
        }
        throw err;
      }
      ids = [];
      paths = [];
      labels = [];
      chunkLines = [];
    }
  } catch (err) {
    await (writer as FeatureWriter | null)?.abort();
    throw err;
  } finally {
    lines.close();
    input.destroy();
  }
}

const isNumber = (t: string) => t.trim() !== '' && Number.isFinite(Number(t));

/** A first line whose last field is a number is data, not a header (headers end in `f{d-1}`, `label`, …). */
function isHeaderlessRow(text: string): boolean {
  const p = parseCsvLine(text);
  return !('problem' in p) && p.fields.length >= 2 && isNumber(p.fields[p.fields.length - 1]);
}

/**
 * One headerless row as the fork's `read_csv_v2` reads it: the trailing numeric fields are the
 * features, the fields before them the name (joined by commas, so a name may contain commas); a row
 * of numbers only has its first field as the name (VOC names such as 000123).
 */
export function splitHeaderlessRow(text: string): { name: string; features: Float32Array } | { problem: string } {
  const p = parseCsvLine(text);
  if ('problem' in p) return { problem: `${p.problem} (field ${p.column})` };
  const f = p.fields;
  let start = f.length;
  while (start > 0 && isNumber(f[start - 1])) start--;
  if (start === f.length) return { problem: `no feature values: the row ends in ${JSON.stringify(f[f.length - 1])}, not a number` };
  if (start === 0) start = 1;
  const name = f.slice(0, start).join(',');
  if (name.trim() === '') return { problem: 'no name: the row starts with an empty field' };
  if (start === f.length) return { problem: `no feature values after the name ${JSON.stringify(name)}` };
  const features = new Float32Array(f.length - start);
  for (let j = start; j < f.length; j++) features[j - start] = Number(f[j]);
  return { name, features };
}

interface CsvHeader {
  names: string[];
  dim: number;
  path: number;
  id: number;
  label: number;
  /** features[j] = field index of column f{j}. */
  features: number[];
}

function parseHeader(text: string, expectedDim: number | undefined, fail: (col: string | null, problem: string) => never): CsvHeader {
  const parsed = parseCsvLine(text);
  if ('problem' in parsed) return fail(null, parsed.problem);
  const names = parsed.fields.map((s) => s.trim());
  const h: CsvHeader = { names, dim: 0, path: -1, id: -1, label: -1, features: [] };
  const featureAt = new Map<number, number>();
  names.forEach((name, i) => {
    const f = /^f(0|[1-9][0-9]*)$/.exec(name);
    if (f) {
      const j = Number(f[1]);
      if (featureAt.has(j)) fail(name, 'appears twice in the header');
      featureAt.set(j, i);
    } else if (name === 'path' || name === 'id' || name === 'label') {
      if (h[name] >= 0) fail(name, 'appears twice in the header');
      h[name] = i;
    } else if (i === 0 && (name === '' || name === 'Unnamed: 0')) {
      // pandas index column (to_csv without index=False): ignored.
    } else {
      fail(name, 'unknown column; expected path, f0..f{d-1}, and optionally id and label');
    }
  });
  if (h.path < 0 && h.id < 0) fail(null, 'the header has neither a "path" nor an "id" column');
  const dim = featureAt.size;
  if (dim === 0) fail(null, 'the header has no feature columns f0, f1, …');
  for (let j = 0; j < dim; j++) {
    const i = featureAt.get(j);
    if (i === undefined) fail(`f${j}`, `missing, but the header has ${dim} feature columns (expected f0..f${dim - 1})`);
    h.features.push(i as number);
  }
  if (expectedDim !== undefined && dim !== expectedDim) fail(null, `the header has ${dim} feature columns, expected dim ${expectedDim}`);
  h.dim = dim;
  return h;
}
