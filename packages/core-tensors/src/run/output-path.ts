import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { OutputPathError } from '../errors/twindb-error.js';
import { tempPathFor, trackTemp, untrackTemp } from './temp-files.js';

/**
 * Where the bytes of one output file go:
 * - `atomic`: a regular file (new or existing), written under a temp name next to `path` and renamed
 *   over it. For a symlink, `path` is the link's target: the target is replaced, the link stays.
 * - `direct`: a character device or FIFO (`/dev/null`, a named pipe, `/dev/stdout` on a terminal):
 *   written in place, never replaced by a regular file.
 * - `stdout`: the file name `-`, where the caller allowed it.
 */
export type OutputTarget =
  | { kind: 'atomic'; requested: string; path: string }
  | { kind: 'direct'; requested: string; path: string }
  | { kind: 'stdout'; requested: string };

export interface OutputPathOptions {
  /** Files this run reads: the output must not be one of them (same device and inode). */
  inputs?: readonly string[];
  /** `-` means stdout (only where a single file is written). */
  allowStdout?: boolean;
  /** Create a missing parent folder (default false: a missing folder is refused). */
  createDir?: boolean;
  /** How the output is named in messages, e.g. `--out` (default: "output"). */
  what?: string;
  /** Probe writability now with a temp file (default true; false when the write follows at once). */
  probe?: boolean;
}

/**
 * Checks an output file location before any compute and says how to write it (see OutputTarget).
 * Refused with an OutputPathError (exit 2) naming the path and what to do: an input file, a folder,
 * a socket, an unwritable or missing folder. Writability is probed by creating and removing a temp
 * file next to the final name, which is also right for root and read-only mounts.
 */
export async function planOutputFile(file: string, opts: OutputPathOptions = {}): Promise<OutputTarget> {
  const what = opts.what ?? 'output';
  if (file === '-') {
    if (opts.allowStdout) return { kind: 'stdout', requested: file };
    throw new OutputPathError(file, `${what} "-": stdout is accepted only where a single file is written; give a file name`);
  }
  const target = await resolveTarget(file, what);
  await refuseInputs(file, target.path, target.stat, opts.inputs ?? [], what);
  if (target.stat && (target.stat.isCharacterDevice() || target.stat.isFIFO())) {
    return { kind: 'direct', requested: file, path: file };
  }
  if (target.stat && !target.stat.isFile()) {
    const kind = target.stat.isDirectory() ? 'a folder' : target.stat.isSocket() ? 'a socket' : 'a block device';
    throw new OutputPathError(file, `${what} ${file} is ${kind}; give the name of a file to write (twindb never replaces ${kind})`);
  }
  if (opts.probe !== false) await probeWritable(target.path, what, file, opts.createDir ?? false);
  return { kind: 'atomic', requested: file, path: target.path };
}

/** Follows symlinks (also dangling ones, whose target is then created) to the path to write. */
async function resolveTarget(file: string, what: string): Promise<{ path: string; stat?: Stats }> {
  let p = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let l: Stats;
    try {
      l = await fs.lstat(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { path: p };
      throw new OutputPathError(file, `${what} ${file}: cannot inspect ${p} (${(err as NodeJS.ErrnoException).code}); choose another location`);
    }
    if (!l.isSymbolicLink()) return { path: p, stat: l };
    // A device or FIFO behind a link (/dev/stdout → /proc/self/fd/1 → pipe) is written through the link.
    const s = await fs.stat(p).catch(() => undefined);
    if (s && (s.isCharacterDevice() || s.isFIFO())) return { path: p, stat: s };
    p = path.resolve(path.dirname(p), await fs.readlink(p));
  }
  throw new OutputPathError(file, `${what} ${file}: too many symbolic links (a loop?); give a plain file name`);
}

async function refuseInputs(file: string, real: string, st: Stats | undefined, inputs: readonly string[], what: string): Promise<void> {
  if (!st) return;
  for (const input of inputs) {
    if (input === '-') continue;
    const s = await fs.stat(input).catch(() => undefined);
    if (s && s.dev === st.dev && s.ino === st.ino) {
      const via = path.resolve(file) === real ? '' : ` (through the link to ${real})`;
      throw new OutputPathError(
        file,
        `${what} ${file} is the input ${input}${via}; twindb never writes over its input: give another output name`,
      );
    }
  }
}

async function probeWritable(target: string, what: string, file: string, createDir: boolean): Promise<void> {
  const dir = path.dirname(target);
  try {
    if (createDir) await fs.mkdir(dir, { recursive: true });
    const probe = tempPathFor(target);
    // Tracked while it exists, so that a SIGINT landing here removes it too.
    trackTemp(probe);
    try {
      const h = await fs.open(probe, 'wx');
      await h.close();
      await fs.unlink(probe);
    } finally {
      untrackTemp(probe);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'ENOTDIR' ? 'a path component is not a folder' : 'the folder is not writable';
    throw new OutputPathError(file, `${what} ${file}: cannot write there: ${why} (${dir}, ${code}); choose a writable location`, { cause: err });
  }
}
