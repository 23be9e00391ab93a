import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/*
 * Temp files and folders of twindb: always next to their final path (same filesystem, so the final
 * rename is atomic), always named `.<final name>.twindb-<pid>-<random>.tmp`, so that
 * - a human sees at a glance what wrote them and for which output;
 * - every exit path removes them: normal returns (the writer's own cleanup), errors, `process.exit`
 *   and SIGINT/SIGTERM (the registry below, swept synchronously; see signal-cleanup.ts);
 * - leftovers of a killed run (`kill -9`, power loss: nothing runs then) are recognised by the dead
 *   pid in the name and removed by the next run on the same output (`removeStaleTemps`).
 */

const TEMP_NAME = /^\.(.+)\.twindb-(\d+)-[0-9a-f]+\.tmp$/;
/** Names written by earlier versions: `.x.arrow.<pid>.<hex>.tmp`, `out.tmp-<pid>-<ms>`, `x.csv.tmp-<pid>`. */
const LEGACY_TEMP_NAMES = [/^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/, /^(.+)\.tmp-(\d+)-\d+$/, /^(.+)\.tmp-(\d+)$/];

/** A temp name in the same folder as `finalPath`, recognisably twindb's and tagged with this pid. */
export function tempPathFor(finalPath: string): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}.twindb-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** For a temp name written by any twindb version: the final name it stands for and the writer's pid. */
export function parseTempName(name: string): { finalName: string; pid: number; legacy: boolean } | undefined {
  for (const re of [TEMP_NAME, ...LEGACY_TEMP_NAMES]) {
    const m = re.exec(name);
    if (m) return { finalName: m[1], pid: Number(m[2]), legacy: re !== TEMP_NAME };
  }
  return undefined;
}

/** True when a process with this pid is running (a pid we may not signal still exists). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const live = new Set<string>();

/** Registers a temp file or folder this process is writing: removed on any exit until `untrackTemp`. */
export function trackTemp(p: string): void {
  live.add(path.resolve(p));
}

/** The temp path was renamed into place or removed by its owner. */
export function untrackTemp(p: string): void {
  live.delete(path.resolve(p));
}

/** The temp paths this process is writing right now. */
export function liveTemps(): string[] {
  return [...live];
}

/** Removes every temp path this process still holds, synchronously (safe inside exit and signal handlers). */
export function removeLiveTemps(): void {
  for (const p of live) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort: the next run removes what is left (its pid is dead then)
    }
  }
  live.clear();
}

/**
 * Removes twindb temp files and folders in `dir` whose writer is dead (never those of a running
 * process, e.g. another shard writing next to us). With `finalNames`, only temps of those outputs.
 * Returns the removed paths.
 */
export function removeStaleTemps(dir: string, finalNames?: readonly string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const t = parseTempName(name);
    if (!t || t.pid === process.pid || isPidAlive(t.pid)) continue;
    // Old-style names are too generic to remove unless they belong to an output we are writing.
    if (finalNames ? !finalNames.includes(t.finalName) : t.legacy) continue;
    const p = path.join(dir, name);
    try {
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      // not ours to fight over
    }
  }
  return removed;
}

/** Logs each temp a killed run left and this run removed, in the one wording every step uses. */
export function logRemovedTemps(removed: readonly string[], log: (msg: string) => void): void {
  for (const p of removed) log(`removed ${p}, left by a killed run`);
}

let exitHook = false;
/** Makes `process.exit` (and a normal end of the event loop) remove the live temps. Idempotent. */
export function removeTempsOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', removeLiveTemps);
}
