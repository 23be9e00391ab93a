/** @twindb/cli — the `twindb` command, also usable programmatically. */
export { createProgram, run, type GlobalOptions } from './program.js';
