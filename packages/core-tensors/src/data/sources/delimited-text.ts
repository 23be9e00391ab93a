/**
 * CSV (RFC 4180: quoted fields, doubled quotes, CRLF) and TSV (tab-separated, no quoting) parsing
 * into rows of strings. Blank lines are dropped.
 */
export function parseDelimited(text: string, delimiter: ',' | '\t'): string[][] {
  const rows: string[][] = [];
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (delimiter === '\t') {
    for (const line of text.split(/\r?\n/)) if (line.trim() !== '') rows.push(line.split('\t'));
    return rows;
  }
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0].trim() === '')) rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') inQuotes = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      endRow();
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (inQuotes) throw new Error('unterminated quoted field at end of file');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** Tab if the file is .tsv or its header line holds a tab, else comma. */
export function sniffDelimiter(file: string, text: string): ',' | '\t' {
  if (/\.tsv$/i.test(file)) return '\t';
  if (/\.csv$/i.test(file)) return ',';
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  return firstLine.includes('\t') ? '\t' : ',';
}
