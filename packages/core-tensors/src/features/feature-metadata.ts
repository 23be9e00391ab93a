import { z } from 'zod';

/**
 * The metadata every twindb feature file carries in its Arrow schema. The zod schema is the one
 * source of truth: the TypeScript type is inferred from it, and the codec below is the only place
 * that knows how each field is spelled as an Arrow key/value string.
 */

/** Version written by this code; readers refuse other versions rather than guess. */
export const FEATURE_FORMAT_VERSION = '1';

export const FeatureMetadataSchema = z.object({
  /** File-format version (`twindb.format`). */
  format: z.literal(FEATURE_FORMAT_VERSION),
  /** Which model produced the embeddings, e.g. `simclr-resnet18@<checkpoint hash>`. */
  encoder: z.string().min(1),
  /** Embedding length; every row has exactly this many float32 values. */
  dim: z.number().int().positive(),
  /** True when every embedding has unit L2 norm (cosine distance = 1 - dot product). */
  normalized: z.boolean(),
  /** The DB spec the rows came from (as the user gave it to twindb). */
  db: z.string(),
  /** SHA-256 (hex) of the encoder file's bytes: the encoder's identity, whatever its file name. */
  encoderSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Hash of the DB's content as read (ids with sizes and mtimes, or the file's hash). */
  dbFingerprint: z.string().min(1).optional(),
  /** Hash of the options that affect the embeddings (input size, fit, normalisation, shard range, …). */
  options: z.string().min(1).optional(),
  /** DB records this file covers (rows + rejected images). */
  sourceRows: z.number().int().nonnegative().optional(),
});

export type FeatureMetadata = z.infer<typeof FeatureMetadataSchema>;

/** Arrow schema-metadata keys, as they appear in the file. */
export const FEATURE_METADATA_KEYS = {
  format: 'twindb.format',
  encoder: 'twindb.encoder',
  dim: 'twindb.dim',
  normalized: 'twindb.normalized',
  db: 'twindb.db',
  encoderSha256: 'twindb.encoder_sha256',
  dbFingerprint: 'twindb.db_fingerprint',
  options: 'twindb.options',
  sourceRows: 'twindb.source_rows',
} as const satisfies Record<keyof FeatureMetadata, string>;

const ArrowMetadataStrings = z.object({
  [FEATURE_METADATA_KEYS.format]: z.string(),
  [FEATURE_METADATA_KEYS.encoder]: z.string(),
  [FEATURE_METADATA_KEYS.dim]: z.string().regex(/^[1-9][0-9]*$/, 'expected a positive integer'),
  [FEATURE_METADATA_KEYS.normalized]: z.enum(['true', 'false']),
  [FEATURE_METADATA_KEYS.db]: z.string(),
  [FEATURE_METADATA_KEYS.encoderSha256]: z.string().optional(),
  [FEATURE_METADATA_KEYS.dbFingerprint]: z.string().optional(),
  [FEATURE_METADATA_KEYS.options]: z.string().optional(),
  [FEATURE_METADATA_KEYS.sourceRows]: z.string().regex(/^(0|[1-9][0-9]*)$/, 'expected a non-negative integer').optional(),
});

/** Arrow key/value strings <-> typed metadata. */
export const FeatureMetadataCodec = z.codec(ArrowMetadataStrings, FeatureMetadataSchema, {
  decode: (s) => ({
    format: s[FEATURE_METADATA_KEYS.format] as typeof FEATURE_FORMAT_VERSION,
    encoder: s[FEATURE_METADATA_KEYS.encoder],
    dim: Number(s[FEATURE_METADATA_KEYS.dim]),
    normalized: s[FEATURE_METADATA_KEYS.normalized] === 'true',
    db: s[FEATURE_METADATA_KEYS.db],
    ...optionalFields({
      encoderSha256: s[FEATURE_METADATA_KEYS.encoderSha256],
      dbFingerprint: s[FEATURE_METADATA_KEYS.dbFingerprint],
      options: s[FEATURE_METADATA_KEYS.options],
      sourceRows: s[FEATURE_METADATA_KEYS.sourceRows] === undefined ? undefined : Number(s[FEATURE_METADATA_KEYS.sourceRows]),
    }),
  }),
  encode: (m) => ({
    [FEATURE_METADATA_KEYS.format]: m.format,
    [FEATURE_METADATA_KEYS.encoder]: m.encoder,
    [FEATURE_METADATA_KEYS.dim]: String(m.dim),
    [FEATURE_METADATA_KEYS.normalized]: m.normalized ? ('true' as const) : ('false' as const),
    [FEATURE_METADATA_KEYS.db]: m.db,
    ...optionalFields({
      [FEATURE_METADATA_KEYS.encoderSha256]: m.encoderSha256,
      [FEATURE_METADATA_KEYS.dbFingerprint]: m.dbFingerprint,
      [FEATURE_METADATA_KEYS.options]: m.options,
      [FEATURE_METADATA_KEYS.sourceRows]: m.sourceRows === undefined ? undefined : String(m.sourceRows),
    }),
  }),
});

/** The fields of `o` that are defined (optional metadata is absent from the file, not empty). */
function optionalFields<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Validates typed metadata (e.g. from a caller creating a writer); returns it or a one-line
 * description of what is wrong.
 */
export function checkFeatureMetadata(meta: unknown): { ok: true; value: FeatureMetadata } | { ok: false; problem: string } {
  const r = FeatureMetadataSchema.safeParse(meta);
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: describeZodError(r.error) };
}

/** Arrow schema metadata -> typed metadata, or a one-line description of what is wrong. */
export function decodeFeatureMetadata(
  raw: ReadonlyMap<string, string>,
): { ok: true; value: FeatureMetadata } | { ok: false; problem: string } {
  const r = FeatureMetadataCodec.safeDecode(Object.fromEntries(raw) as z.input<typeof FeatureMetadataCodec>);
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: describeZodError(r.error, raw) };
}

/** Typed metadata -> the key/value map stored in the Arrow schema. */
export function encodeFeatureMetadata(meta: FeatureMetadata): Map<string, string> {
  return new Map(Object.entries(FeatureMetadataCodec.encode(meta)));
}

/** With `raw`, keys are reported as spelled in the file and the offending value is quoted. */
function describeZodError(err: z.ZodError, raw?: ReadonlyMap<string, string>): string {
  const arrowKeys: Record<string, string> = FEATURE_METADATA_KEYS;
  return err.issues
    .map((i) => {
      let key = i.path.length ? i.path.join('.') : '(root)';
      if (raw) key = arrowKeys[key] ?? key;
      const value = raw?.get(key);
      const got = value === undefined ? (raw ? ' (missing)' : '') : ` (got ${JSON.stringify(value)})`;
      return `metadata ${JSON.stringify(key)}: ${i.message}${got}`;
    })
    .join('; ');
}
