import { InputDataError } from '../errors/twindb-error.js';

/**
 * The one error type for bad feature files and bad rows. Every message starts with the file and,
 * when known, the row (0-based, counted over the whole file) and its id, so a user can find the
 * offending record without a debugger.
 */
export class FeatureFileError extends InputDataError {
  override name = 'FeatureFileError';

  constructor(
    readonly file: string,
    readonly problem: string,
    readonly row?: number,
    readonly id?: string,
  ) {
    super(`${file}: ${describeWhere(row, id)}${problem}`);
  }
}

function describeWhere(row: number | undefined, id: string | undefined): string {
  if (row === undefined) return '';
  return id === undefined ? `row ${row}: ` : `row ${row} (id ${JSON.stringify(id)}): `;
}
