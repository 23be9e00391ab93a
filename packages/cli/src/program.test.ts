import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

describe('twindb command', () => {
  it('lists its subcommands and the --backend option in --help', () => {
    const help = createProgram().helpInformation();
    expect(help).toMatch(/Usage: twindb/);
    expect(help).toMatch(/--backend <name>/);
    expect(help).toMatch(/backend \[options\]\s+Initialise TensorFlow\.js/);
  });

  it('rejects an unknown backend before doing any work', async () => {
    const program = createProgram().exitOverride();
    program.configureOutput({ writeErr: () => {} });
    await expect(program.parseAsync(['node', 'twindb', '--backend', 'tpu', 'backend'])).rejects.toThrow(
      /Allowed choices are auto, tensorflow-gpu, tensorflow, wasm, cpu/,
    );
  });
});
