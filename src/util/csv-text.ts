/**
 * Every CSV Athanor reads or writes goes through here: reading with csv-parse, writing with RFC 4180
 * quoting (a few lines, so written here rather than adding csv-stringify) and with formula cells
 * neutralised, because worklists, plate maps and result files are opened in spreadsheets.
 */
import { parse } from 'csv-parse/sync';
import { findUnsafeLines } from './safe-text.js';

/** A CSV text with a header row into records of strings, plus the header as written. Refuses NUL
 * bytes and unpaired surrogates (cells end up in the database, which cannot hold them). */
export function parseCsvText(text: string): { header: string[]; rows: Record<string, string>[] } {
  const unsafe = findUnsafeLines(text, 3);
  if (unsafe.length > 0) throw new Error(unsafe.map((u) => u.message).join('; '));
  const clean = text.replace(/^\uFEFF/, '');
  const firstLine = clean.split(/\r?\n/, 1)[0] ?? '';
  const header = ((parse(firstLine, { trim: true }) as string[][])[0] ?? []).filter((h) => h !== '');
  const rows = parse(clean, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return { header, rows };
}

/** What a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @, tab, CR, LF first. */
const FORMULA_START = /^[=+\-@\t\r\n]/;
/** A plain number, which a spreadsheet shows as a number (-3.5, +2, 1e-3): left as it is. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell a spreadsheet will show as text, never evaluate: one starting with = + - @, tab or a
 * line break gets a leading single quote, as OWASP recommends; genuine numbers are kept.
 * Hand-written: no CSV library offers it.
 */
export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) && !NUMBER.test(text) ? `'${text}` : text;
}

/** The inverse, for programs reading a CSV Athanor wrote (the reference robot, result files). */
export function unescapeSpreadsheetCell(text: string): string {
  return text.length > 1 && text.startsWith("'") && FORMULA_START.test(text.slice(1)) && !NUMBER.test(text.slice(1)) ? text.slice(1) : text;
}

/** One CSV record: formula cells escaped; fields with a comma, quote, line break or edge space quoted, quotes doubled. */
export function csvLine(fields: readonly (string | number | undefined)[]): string {
  return fields
    .map((field) => {
      const text = spreadsheetSafe(field === undefined ? '' : String(field));
      return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}

export function csvText(header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return [header, ...rows].map(csvLine).join('\n') + '\n';
}
