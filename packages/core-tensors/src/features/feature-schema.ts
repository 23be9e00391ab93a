import { DataType, Field, FixedSizeList, Float32, Int32, List, Precision, Schema, Utf8 } from 'apache-arrow';
import { FeatureFileError } from './feature-file-error.js';
import { decodeFeatureMetadata, encodeFeatureMetadata, type FeatureMetadata } from './feature-metadata.js';

/** Column names every feature file has. */
export const FEATURE_COLUMNS = ['id', 'path', 'label', 'embedding'] as const;

/**
 * Optional columns, written for annotated DBs (`voc:`) and absent from other files (and from files
 * of earlier versions, which read as before):
 * - `labels` (List<Utf8>, nullable): the image's object class names, one entry per object instance
 *   in annotation order (the distinct names are its multi-label set); null = no annotation;
 * - `meta` (Utf8, nullable): the annotation's scalar fields as a JSON object of strings
 *   (`{"weather":"rain","time_zone":"day"}`); null = no annotation.
 */
export const ANNOTATION_COLUMNS = ['labels', 'meta'] as const;

/** Field positions of the columns in a (validated) schema; files may order them freely. */
export interface FeatureColumnIndex {
  id: number;
  path: number;
  label: number;
  embedding: number;
  /** Present only in files with annotation columns. */
  labels?: number;
  meta?: number;
}

export interface FeatureSchemaOptions {
  /** Add the nullable `labels` and `meta` annotation columns (see ANNOTATION_COLUMNS). */
  annotations?: boolean;
}

/** The Arrow schema of a feature file with the given metadata. */
export function featureSchema(meta: FeatureMetadata, opts: FeatureSchemaOptions = {}): Schema {
  return new Schema(
    [
      new Field('id', new Utf8(), false),
      new Field('path', new Utf8(), true),
      new Field('label', new Int32(), true),
      new Field('embedding', new FixedSizeList(meta.dim, new Field('item', new Float32(), false)), false),
      ...(opts.annotations
        ? [new Field('labels', new List(new Field('item', new Utf8(), false)), true), new Field('meta', new Utf8(), true)]
        : []),
    ],
    encodeFeatureMetadata(meta),
  );
}

/**
 * Checks that `schema` is a twindb feature schema and returns its metadata and column positions;
 * throws a FeatureFileError naming `file` and what is wrong otherwise. Large string columns are
 * accepted for id/path because other Arrow writers (polars, pyarrow large_string) produce them.
 */
export function checkFeatureSchema(
  schema: Schema,
  file: string,
): { meta: FeatureMetadata; columns: FeatureColumnIndex } {
  const decoded = decodeFeatureMetadata(schema.metadata);
  if (!decoded.ok) throw new FeatureFileError(file, `not a twindb feature file: ${decoded.problem}`);
  const meta = decoded.value;

  const find = (name: (typeof FEATURE_COLUMNS)[number] | (typeof ANNOTATION_COLUMNS)[number], expected: string, ok: (t: DataType) => boolean, optional = false) => {
    const i = schema.fields.findIndex((f) => f.name === name);
    if (i < 0) {
      if (optional) return undefined;
      const have = schema.fields.map((f) => f.name).join(', ') || '(none)';
      throw new FeatureFileError(file, `missing column "${name}" (${expected}); columns present: ${have}`);
    }
    const type = schema.fields[i].type;
    if (!ok(type)) throw new FeatureFileError(file, `column "${name}" has type ${String(type)}, expected ${expected}`);
    return i;
  };
  const isString = (t: DataType) => DataType.isUtf8(t) || DataType.isLargeUtf8(t);
  const required = (i: number | undefined) => i as number;
  const columns: FeatureColumnIndex = {
    id: required(find('id', 'utf8', isString)),
    path: required(find('path', 'utf8', isString)),
    label: required(find('label', 'int32', (t) => DataType.isInt(t) && t.bitWidth === 32 && t.isSigned)),
    embedding: required(
      find('embedding', `FixedSizeList<Float32>[${meta.dim}]`, (t) => {
        if (!DataType.isFixedSizeList(t)) return false;
        const child = t.children[0]?.type;
        return DataType.isFloat(child) && child.precision === Precision.SINGLE;
      }),
    ),
  };
  const labels = find('labels', 'List<utf8> (object class names)', (t) => DataType.isList(t) && isString(t.children[0]?.type), true);
  const metaCol = find('meta', 'utf8 (a JSON object per row)', isString, true);
  if (labels !== undefined) columns.labels = labels;
  if (metaCol !== undefined) columns.meta = metaCol;
  const listSize = (schema.fields[columns.embedding].type as FixedSizeList).listSize;
  if (listSize !== meta.dim) {
    throw new FeatureFileError(
      file,
      `dimension mismatch: column "embedding" holds ${listSize} values per row but metadata twindb.dim is ${meta.dim}`,
    );
  }
  return { meta, columns };
}
