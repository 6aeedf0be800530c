/**
 * Which CSV dialect a person's file is written in. Spreadsheets in much of Europe save "CSV" with
 * `;` between cells and a decimal comma (`3;71,5`), because the comma is their decimal separator;
 * a results upload accepts both. csv-parse reads either once told the delimiter; telling which one
 * a file uses is this module's job (csv-parse has no detection).
 */

export interface CsvDialect {
  delimiter: ',' | ';' | '\t';
  /** Cells such as `71,5` are decimals with a comma (only where `,` is not the delimiter). */
  decimalComma: boolean;
}

/** Counts a character in a line, outside double quotes. */
function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ch) n++;
  }
  return n;
}

/** The delimiter is the one the header line uses most (a header has no decimals to confuse it). */
export function csvDialectOf(text: string): CsvDialect {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const counts = { ',': countOutsideQuotes(header, ','), ';': countOutsideQuotes(header, ';'), '\t': countOutsideQuotes(header, '\t') };
  const delimiter = (Object.entries(counts) as [CsvDialect['delimiter'], number][]).reduce((best, entry) => (entry[1] > best[1] ? entry : best), [',', 0] as [CsvDialect['delimiter'], number])[0];
  return { delimiter, decimalComma: delimiter !== ',' };
}

const DECIMAL_COMMA = /^[+-]?(\d+|\d{1,3}(\.\d{3})+)?,\d+([eE][+-]?\d+)?$/;

/** `71,5` → `71.5`, `1.234,5` → `1234.5`; anything else unchanged. */
export function decimalPoint(cell: string): string {
  if (!DECIMAL_COMMA.test(cell)) return cell;
  const [whole = '', fraction = ''] = cell.split(',');
  return `${whole.replace(/\./g, '')}.${fraction}`;
}

/** csv-parse's error in a person's words, with the line it is on. */
export function csvReadProblem(error: unknown): { message: string; line: number | undefined } {
  const e = error as { code?: string; lines?: number; message?: string; record?: unknown[] };
  const line = typeof e.lines === 'number' ? e.lines : undefined;
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return { message: `this row has ${Array.isArray(e.record) ? e.record.length : 'a different number of'} cells, the header a different number`, line };
    case 'CSV_QUOTE_NOT_CLOSED':
      return { message: 'a quoted cell is never closed (a " without its partner)', line };
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return { message: 'text follows a closing quote in the same cell', line };
    default:
      return { message: (e.message ?? String(error)).replace(/\s*(at|on) line \d+\.?$/, ''), line };
  }
}
