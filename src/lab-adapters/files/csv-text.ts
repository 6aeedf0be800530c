/**
 * Writing CSV (src/util/csv-text.ts: quoting and formula-cell escaping, in one place for every
 * CSV Athanor writes) and writing files so that no reader ever sees half of one.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export { csvLine, csvText, unescapeSpreadsheetCell } from '../../util/csv-text.js';

/**
 * Writes beside the target under a dot-name (readers skip dot-files), then renames: a rename within
 * a folder is atomic, so the file appears whole or not at all.
 */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
