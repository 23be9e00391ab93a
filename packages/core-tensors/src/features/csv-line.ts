/**
 * One line of RFC 4180 CSV (as pandas `to_csv` writes it): fields separated by commas, fields
 * containing a comma, quote or line break wrapped in double quotes with inner quotes doubled.
 * Quoted line breaks are not supported because the importer reads line by line; no image path
 * produced by the original scripts contains one.
 */

/** Splits a line into fields, or returns the problem and the 1-based column where it occurred. */
export function parseCsvLine(line: string): { fields: string[] } | { problem: string; column: number } {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) {
          return {
            problem: 'unterminated quoted field (quoted line breaks are not supported)',
            column: fields.length + 1,
          };
        }
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return { fields };
      if (line.charCodeAt(i) !== 44 /* , */) {
        return { problem: 'unexpected character after closing quote', column: fields.length };
      }
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        fields.push(line.slice(i));
        return { fields };
      }
      fields.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** One CSV field (RFC 4180), quoted only when it must be; null and undefined are empty. The one CSV formatter of every step. */
export function formatCsvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
