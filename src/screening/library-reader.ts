/**
 * A user's compound library, read one record at a time (a supplier catalogue may hold a million
 * molecules: it is streamed, never loaded whole). Formats by extension:
 *
 * - `.csv` / `.tsv`: a header row; the SMILES column is the one named `smiles` (any case, also
 *   `canonical_smiles`, `isomeric_smiles`), the name column the first of `name`, `id`, `title`,
 *   `compound`, `catalog_id` that exists;
 * - `.smi` / `.smiles` / `.txt`: one `SMILES [name]` per line;
 * - `.sdf` / `.sd`: MDL records ending in `$$$$`, the first line of each its name (the molblock
 *   is converted to SMILES by RDKit when the screen reads it).
 *
 * A record keeps its line number in the file, so that every row the screen cannot use is reported
 * where the chemist can find it.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse as csvParser } from 'csv-parse';

export type LibraryRecord =
  /** A SMILES to screen (or, from an SDF, a molblock). */
  | { line: number; name: string; smiles: string; molblock?: undefined }
  | { line: number; name: string; molblock: string; smiles?: undefined };

export class LibraryFormatError extends Error {
  override name = 'LibraryFormatError';
}

export type LibraryFormat = 'csv' | 'tsv' | 'smi' | 'sdf';

const FORMATS: Record<string, LibraryFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.smi': 'smi', '.smiles': 'smi', '.txt': 'smi', '.sdf': 'sdf', '.sd': 'sdf' };
const SMILES_COLUMNS = ['smiles', 'canonical_smiles', 'isomeric_smiles'];
const NAME_COLUMNS = ['name', 'id', 'title', 'compound', 'catalog_id'];

export function libraryFormatOf(path: string): LibraryFormat {
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format) throw new LibraryFormatError(`${path}: unknown library format "${extname(path) || '(no extension)'}" (use ${Object.keys(FORMATS).join(', ')})`);
  return format;
}

/** A library sent as text (an upload to the API or the panel), named for messages by `label`. */
export interface LibraryText {
  text: string;
  label: string;
}

/** A file's path, or a library sent as text. */
export type LibrarySource = string | LibraryText;

const labelOf = (source: LibrarySource) => (typeof source === 'string' ? source : source.label);
/** Bytes of the library read so far (a long screen's progress: how far through the file it is). */
export interface ReadCounter {
  bytes: number;
}

// bytes either way: readline and csv-parse decode UTF-8 themselves (and csv-parse drops a BOM)
function open(source: LibrarySource, counter?: ReadCounter): Readable {
  const stream = typeof source === 'string' ? createReadStream(source) : Readable.from([Buffer.from(source.text, 'utf8')]);
  if (counter) stream.on('data', (chunk: Buffer) => (counter.bytes += chunk.length));
  return stream;
}

/** The records of a library in order, streamed; `counter` follows the bytes read. */
export function readLibrary(source: LibrarySource, format: LibraryFormat = libraryFormatOf(labelOf(source)), counter?: ReadCounter): AsyncGenerator<LibraryRecord> {
  if (format === 'sdf') return sdfRecords(source, counter);
  if (format === 'smi') return smilesLines(source, counter);
  return tableRows(source, format === 'tsv' ? '\t' : ',', counter);
}

async function* lines(source: LibrarySource, counter?: ReadCounter): AsyncGenerator<string> {
  const reader = createInterface({ input: open(source, counter), crlfDelay: Infinity });
  try {
    for await (const line of reader) yield line;
  } finally {
    reader.close();
  }
}

async function* smilesLines(source: LibrarySource, counter?: ReadCounter): AsyncGenerator<LibraryRecord> {
  let line = 0;
  for await (const text of lines(source, counter)) {
    line++;
    const trimmed = text.replace(/^\uFEFF/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [smiles, ...rest] = trimmed.split(/\s+/);
    yield { line, smiles: smiles!, name: rest.join(' ') };
  }
}

async function* sdfRecords(source: LibrarySource, counter?: ReadCounter): AsyncGenerator<LibraryRecord> {
  let line = 0;
  let block: string[] = [];
  let start = 1;
  for await (const text of lines(source, counter)) {
    line++;
    if (text.startsWith('$$$$')) {
      if (block.some((l) => l.trim() !== '')) yield { line: start, name: block[0]!.trim(), molblock: molblockOf(block) };
      block = [];
      start = line + 1;
      continue;
    }
    block.push(text);
  }
  // a last record without its $$$$ is still a record
  if (block.some((l) => l.trim() !== '')) yield { line: start, name: block[0]!.trim(), molblock: molblockOf(block) };
}

/** The molblock part of an SD record: up to `M  END` (data fields after it are not RDKit's to read). */
function molblockOf(block: string[]): string {
  const end = block.findIndex((l) => l.startsWith('M  END'));
  return (end < 0 ? block : block.slice(0, end + 1)).join('\n');
}

async function* tableRows(source: LibrarySource, delimiter: string, counter?: ReadCounter): AsyncGenerator<LibraryRecord> {
  const path = labelOf(source);
  const parser = open(source, counter).pipe(csvParser({ delimiter, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  let smilesAt = -1;
  let nameAt = -1;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (smilesAt < 0) {
      const header = record.map((h) => h.toLowerCase());
      smilesAt = header.findIndex((h) => SMILES_COLUMNS.includes(h));
      if (smilesAt < 0) throw new LibraryFormatError(`${path}: no SMILES column in the header (${record.join(', ')}); name one "smiles"`);
      nameAt = NAME_COLUMNS.map((n) => header.indexOf(n)).find((i) => i >= 0) ?? -1;
      continue;
    }
    yield { line: info.lines, smiles: record[smilesAt] ?? '', name: nameAt >= 0 ? (record[nameAt] ?? '') : '' };
  }
  if (smilesAt < 0) throw new LibraryFormatError(`${path}: the file is empty (a header row with a "smiles" column is expected)`);
}
