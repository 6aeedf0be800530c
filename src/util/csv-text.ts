import { parse } from 'csv-parse/sync';

/** A CSV text with a header row into records of strings, plus the header as written. */
export function parseCsvText(text: string): { header: string[]; rows: Record<string, string>[] } {
  const clean = text.replace(/^\uFEFF/, '');
  const firstLine = clean.split(/\r?\n/, 1)[0] ?? '';
  const header = ((parse(firstLine, { trim: true }) as string[][])[0] ?? []).filter((h) => h !== '');
  const rows = parse(clean, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return { header, rows };
}
