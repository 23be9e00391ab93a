import { existsSync } from 'node:fs';
import path from 'node:path';
import { dbSpecRoot, decodeImageFile, encodeImage, openImageSource, type ImageFormat, type ImageSource } from '@twindb/core-tensors/data';

/** Which DB an id belongs to: the target's or the pool's (ids are unique only within one DB). */
export type ImageRole = 'target' | 'pool';

export interface ThumbnailOptions {
  /** DB spec of each role (a feature file's `twindb.db`), when known. */
  dbs: Partial<Record<ImageRole, string>>;
  /** Side of a thumbnail in pixels (images are fitted inside and padded). */
  size?: number;
  log?: (line: string) => void;
}

/**
 * Thumbnails as `data:image/png;base64,…` URIs, so the page carries its images inline. Images are
 * read through the DB sources (`openImageSource` with the DB spec the feature files record); an id
 * the DB does not hold falls back to its file path when there is one. A DB that cannot be opened
 * (moved, another machine) is logged once and its images are left out, never an error.
 */
export class Thumbnails {
  private readonly sources = new Map<ImageRole, Promise<{ source: ImageSource; index: Map<string, number> } | null>>();
  private readonly cache = new Map<string, Promise<string | null>>();
  private readonly format: ImageFormat;
  /** Ids asked for and not found (per role). */
  readonly missing: Record<ImageRole, number> = { target: 0, pool: 0 };
  readonly drawn: Record<ImageRole, number> = { target: 0, pool: 0 };
  readonly problems: string[] = [];

  constructor(private readonly o: ThumbnailOptions) {
    const size = o.size ?? 56;
    this.format = { channels: 3, size, fit: 'pad' };
  }

  /** True when some DB is known at all. */
  get available(): boolean {
    return Object.values(this.o.dbs).some((d) => d !== undefined);
  }

  /** The data URI of an image, or null when it cannot be read. */
  uri(role: ImageRole, id: string, filePath?: string | null): Promise<string | null> {
    const key = `${role}\u0000${id}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.load(role, id, filePath).then(
        (u) => {
          if (u) this.drawn[role]++;
          else this.missing[role]++;
          return u;
        },
        () => {
          this.missing[role]++;
          return null;
        },
      );
      this.cache.set(key, p);
    }
    return p;
  }

  private async load(role: ImageRole, id: string, filePath?: string | null): Promise<string | null> {
    const db = await this.open(role);
    const k = db?.index.get(id);
    if (db && k !== undefined) return toUri(await encodeImage(await db.source.load(k), 'png'));
    const file = this.resolvePath(role, filePath);
    if (file) return toUri(await encodeImage(await decodeImageFile(file, this.format), 'png'));
    return null;
  }

  private resolvePath(role: ImageRole, filePath?: string | null): string | undefined {
    if (!filePath) return undefined;
    const root = this.o.dbs[role] ? dbSpecRoot(this.o.dbs[role]) : undefined;
    return [filePath, root ? path.resolve(root, filePath) : undefined].find((f): f is string => f !== undefined && path.isAbsolute(path.resolve(f)) && existsSync(f));
  }

  private open(role: ImageRole) {
    let p = this.sources.get(role);
    if (!p) {
      const spec = this.o.dbs[role];
      p = spec
        ? openImageSource(spec, { format: this.format }).then(
            (source) => ({ source, index: new Map(source.records.map((r, i) => [r.id, i])) }),
            (err: Error) => {
              const msg = `the ${role} DB ${spec} could not be opened (${err.message}); its images are left out`;
              this.problems.push(msg);
              this.o.log?.(`report: ${msg}`);
              return null;
            },
          )
        : Promise.resolve(null);
      this.sources.set(role, p);
    }
    return p;
  }
}

function toUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}
