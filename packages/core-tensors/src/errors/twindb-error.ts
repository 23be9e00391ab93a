/**
 * What went wrong, as the `twindb` command's exit code says it:
 * - `usage` (2): a bad flag, value or config key, or a missing required one;
 * - `input` (3): input data twindb cannot use (unreadable file, NaN row, dimension mismatch, ids that do not match);
 * - `guard` (4): the step ran, but its result falls short of a stated guard (e.g. coverage);
 * - `runtime` (1): anything else.
 */
export type TwindbErrorCode = 'usage' | 'input' | 'guard' | 'runtime';

export const EXIT_CODES: Readonly<Record<TwindbErrorCode, number>> = { runtime: 1, usage: 2, input: 3, guard: 4 };

/** The one base class of twindb's errors: a message for people and a `code` for machines and exit codes. */
export class TwindbError extends Error {
  override name = 'TwindbError';

  constructor(
    readonly code: TwindbErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** A bad flag, option value or config key: exit code 2. */
export class UsageError extends TwindbError {
  override name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/**
 * An output location twindb refuses to write or remove (an input, a device, a folder it did not
 * create, an unwritable place): exit code 2, like any usage error. `path` is what is in the way.
 */
export class OutputPathError extends UsageError {
  override name = 'OutputPathError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Input data that cannot be used: exit code 3. */
export class InputDataError extends TwindbError {
  override name = 'InputDataError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('input', message, options);
  }
}

/**
 * The step ran and wrote its outputs, but the result falls short of a stated guard (e.g. sample's
 * `--min-coverage`): exit code 4. `details` carries what the caller may still want (the result).
 */
export class GuardError extends TwindbError {
  override name = 'GuardError';
  constructor(
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super('guard', message, options);
  }
}

/** The exit code an error stands for: its `code` when it is a TwindbError, else 1. */
export function exitCodeOf(err: unknown): number {
  return err instanceof TwindbError ? err.exitCode : EXIT_CODES.runtime;
}
