import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse as csvParser } from 'csv-parse';
import { parse } from 'csv-parse/sync';

export type CsvRow = Record<string, string>;

const OPTIONS = { columns: true, skip_empty_lines: true, trim: true, bom: true } as const;

/**
 * Bytes parsed between turns of the event loop. A published dataset of a few thousand rows is a
 * megabyte, which csv-parse takes a few hundred ms to read on a loaded core: in one piece it held
 * a service's event loop (every other request, /api/health included) that long when a campaign
 * started. 32 KiB is ~100 rows, a few ms.
 */
const SLICE_BYTES = 32 * 1024;

/** Reads a CSV file with a header row into records of strings, parsed in slices with turns of the event loop between them. */
export async function readCsv(path: string): Promise<{ header: string[]; rows: CsvRow[] }> {
  const bytes = await readFile(path);
  const rows: CsvRow[] = [];
  // csv-parse's stream reads records across slice boundaries (a slice may even end inside a
  // character), so the records are those of one parse of the whole file
  await pipeline(slices(bytes), csvParser(OPTIONS), async (records: AsyncIterable<CsvRow>) => {
    for await (const record of records) rows.push(record);
  });
  return { header: headerOf(bytes), rows };
}

async function* slices(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
    if (at > 0) await nextTurn();
    yield bytes.subarray(at, at + SLICE_BYTES);
  }
}

/** The first line's cells as written (duplicates included, which the records' keys hide). */
function headerOf(bytes: Buffer): string[] {
  const end = bytes.indexOf(0x0a);
  const firstLine = bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8').replace(/^\uFEFF/, '').replace(/\r$/, '');
  return (parse(firstLine, { trim: true }) as string[][])[0] ?? [];
}
