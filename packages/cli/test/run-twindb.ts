import { vi } from 'vitest';
import { createProgram, run } from '../src/program.js';

/** Runs `twindb <args>` in-process and returns what it printed on stdout (stderr is silenced). */
export async function runTwindb(...args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await createProgram().exitOverride().parseAsync(['node', 'twindb', ...args]);
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
  return out;
}

/** `twindb <args>` through `run`, as the executable calls it: the exit code and what went to stdout and stderr. */
export async function runTwindbExit(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  try {
    return { code: await run(['node', 'twindb', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
