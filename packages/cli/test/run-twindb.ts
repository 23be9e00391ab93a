import { vi } from 'vitest';
import { createProgram } from '../src/program.js';

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
