import { describe, expect, it } from 'vitest';
import { formatCsvField, parseCsvLine } from './csv-line.js';

describe('parseCsvLine / formatCsvField', () => {
  it('splits plain and quoted fields, including empty ones', () => {
    expect(parseCsvLine('a,,b')).toEqual({ fields: ['a', '', 'b'] });
    expect(parseCsvLine('"x,y","say ""hi""",')).toEqual({ fields: ['x,y', 'say "hi"', ''] });
    expect(parseCsvLine('')).toEqual({ fields: [''] });
  });

  it('reports malformed quoting with its column', () => {
    expect(parseCsvLine('a,"b')).toEqual({ problem: expect.stringMatching(/unterminated/), column: 2 });
    expect(parseCsvLine('"a"b,c')).toEqual({ problem: 'unexpected character after closing quote', column: 1 });
  });

  it('format then parse is the identity on awkward strings', () => {
    const values = ['plain', 'a,b', 'q"uote', '"', '', ' lead', 'ünï 画像', 'cr\rlf'];
    const line = values.map(formatCsvField).join(',');
    expect(parseCsvLine(line)).toEqual({ fields: values });
  });
});
