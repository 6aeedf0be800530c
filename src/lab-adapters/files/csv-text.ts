/**
 * Writing CSV and writing files so that no reader ever sees half of one. RFC 4180 quoting is a
 * few lines, so it is written here rather than adding csv-stringify next to csv-parse (which reads
 * every CSV in Athanor).
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One CSV record: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvLine(fields: readonly (string | number | undefined)[]): string {
  return fields
    .map((field) => {
      const text = field === undefined ? '' : String(field);
      return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}

export function csvText(header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return [header, ...rows].map(csvLine).join('\n') + '\n';
}

/**
 * Writes beside the target under a dot-name (readers skip dot-files), then renames: a rename within
 * a folder is atomic, so the file appears whole or not at all.
 */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
