import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

export type CsvRow = Record<string, string>;

/** Reads a CSV file with a header row into records of strings. */
export async function readCsv(path: string): Promise<{ header: string[]; rows: CsvRow[] }> {
  const text = await readFile(path, 'utf8');
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as CsvRow[];
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const header = (parse(firstLine, { trim: true }) as string[][])[0] ?? [];
  return { header, rows: records };
}
