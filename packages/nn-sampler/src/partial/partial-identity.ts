import { createHash } from 'node:crypto';
import { identityChanges, sha256File } from '@twindb/core-tensors';
import { z } from 'zod';
import type { SampleOptions } from '../options.js';
import type { DedupResult } from '../phases/dedup-targets.js';
import type { SampleInputs } from '../phases/open-inputs.js';

/**
 * What a partial file was searched for: the pool (each --pool file's rows and content hash, in
 * order), the target (content hash, rows, and which rows target de-duplication kept), the
 * encoder, K and the search options that change the lists. The --merge run computes the same
 * record from its own flags and files and refuses any partial file whose record differs, so a
 * merge never mixes searches of different inputs.
 */
export const PartialIdentitySchema = z.object({
  pool: z.object({
    files: z.array(z.object({ name: z.string(), rows: z.number().int().nonnegative(), sha256: z.string() })).min(1),
    rows: z.number().int().positive(),
  }),
  target: z.object({
    name: z.string(),
    sha256: z.string(),
    rows: z.number().int().positive(),
    kept: z.number().int().positive(),
    /** sha256 of the kept target positions (int32 LE): de-duplication must have kept the same rows in every shard. */
    keptSha256: z.string(),
  }),
  /** The encoder's sha256 when the features record it, else its name. */
  encoder: z.string(),
  k: z.number().int().positive(),
  depth: z.number().int().positive(),
  /** The options that change the neighbour lists (besides K and depth). */
  options: z.record(z.string(), z.unknown()),
});
export type PartialIdentity = z.infer<typeof PartialIdentitySchema>;

/** The identity of this run's search (pool and target files are hashed: one streamed read each). */
export async function partialIdentity(inputs: SampleInputs, o: SampleOptions, dedup: DedupResult | null, depth: number): Promise<PartialIdentity> {
  const poolFiles = o.pool as string[];
  const poolSha = await Promise.all(poolFiles.map((f) => sha256File(f)));
  const kept = dedup ? Int32Array.from(dedup.kept) : Int32Array.from({ length: inputs.target.matrix.rows }, (_, i) => i);
  const src = inputs.targetSource;
  return {
    pool: { files: poolFiles.map((name, i) => ({ name, rows: inputs.shards[i].rows, sha256: poolSha[i] })), rows: inputs.poolRows },
    target: {
      name: o.target as string,
      sha256: await sha256File(o.target as string),
      rows: dedup ? dedup.allIds.length : inputs.target.matrix.rows,
      kept: inputs.target.matrix.rows,
      keptSha256: createHash('sha256').update(new Uint8Array(kept.buffer, kept.byteOffset, kept.byteLength)).digest('hex'),
    },
    encoder: src.encoderSha256 ?? src.encoder,
    k: inputs.k,
    depth,
    options: {
      mode: o.mode,
      searchDepth: o.searchDepth ?? null,
      seedKs: o.seedKs,
      dedupThreshold: o.dedupThreshold ?? null,
      dedupRule: o.dedupThreshold === undefined ? null : o.dedupRule,
      featureDim: o.featureDim ?? null,
    },
  };
}

/**
 * Why a partial file's identity differs from this run's, naming the file and what to make equal;
 * undefined when they match. Checked in the order a user would look: pool, target, encoder, K, options.
 */
export function identityMismatch(file: string, saved: PartialIdentity, mine: PartialIdentity): string | undefined {
  const short = (h: string) => `${h.slice(0, 12)}…`;
  const poolList = (p: PartialIdentity['pool']) => p.files.map((f) => `${f.name} (${f.rows} rows, sha256 ${short(f.sha256)})`).join(', ');
  const samePool =
    saved.pool.rows === mine.pool.rows &&
    saved.pool.files.length === mine.pool.files.length &&
    saved.pool.files.every((f, i) => f.rows === mine.pool.files[i].rows && f.sha256 === mine.pool.files[i].sha256);
  if (!samePool) {
    return `${file}: searched another pool: ${poolList(saved.pool)}, ${saved.pool.rows} rows; this run's --pool is ${poolList(mine.pool)}, ${mine.pool.rows} rows (same files, same order, in every shard and the merge)`;
  }
  if (saved.target.sha256 !== mine.target.sha256 || saved.target.rows !== mine.target.rows) {
    return `${file}: searched for another target: ${saved.target.name} (${saved.target.rows} rows, sha256 ${short(saved.target.sha256)}); this run's --target is ${mine.target.name} (${mine.target.rows} rows, sha256 ${short(mine.target.sha256)})`;
  }
  if (saved.encoder !== mine.encoder) {
    const enc = (e: string) => (/^[0-9a-f]{64}$/.test(e) ? `sha256 ${short(e)}` : `"${e}"`);
    return `${file}: features of another encoder (${enc(saved.encoder)} vs this run's ${enc(mine.encoder)})`;
  }
  if (saved.k !== mine.k || saved.depth !== mine.depth) {
    return `${file}: searched with K ${saved.k} (top ${saved.depth} per target); this run has K ${mine.k} (top ${mine.depth} per target): give every shard and the merge the same -k / --nn_factor, --mode and --search-depth`;
  }
  const changed = identityChanges(saved.options, mine.options);
  if (changed.length > 0 || saved.target.kept !== mine.target.kept || saved.target.keptSha256 !== mine.target.keptSha256) {
    const what = changed.length > 0 ? changed.join('; ') : `target de-duplication kept ${saved.target.kept} targets there, ${mine.target.kept} here`;
    return `${file}: searched with other options (partial file → this run: ${what}); give every shard and the merge the same search flags`;
  }
  return undefined;
}
