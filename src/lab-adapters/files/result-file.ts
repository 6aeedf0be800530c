/**
 * Reads a result file a lab dropped into the inbox: CSV with a header; `experiment_id` required,
 * `status` (completed | failed, default completed), `reason` for failures, and one numeric column
 * per measured quantity. The whole file is checked before any row is used: one bad row refuses the
 * file, with every problem listed, so a file is either taken entirely or not at all.
 */
import { parse } from 'csv-parse/sync';
import { RefusedResultError, type LabResult } from '../contract.js';
import { parseResultPayload, type ResultExpectations } from '../result-payload.js';
import { unescapeSpreadsheetCell } from '../../util/csv-text.js';

/** Columns of the protocol and of the worklist, never read as measured quantities. */
const NOT_QUANTITIES = new Set(['experiment_id', 'campaign_id', 'status', 'reason', 'seq', 'well', 'candidate_key']);
const QUANTITY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseResultFile(text: string, expectations?: ResultExpectations): LabResult[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (error) {
    throw new RefusedResultError('invalid_csv', `not readable as CSV: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new RefusedResultError('invalid_csv', 'the file has no result rows (a header row, then one row per experiment)');
  const header = Object.keys(records[0] ?? {});
  if (!header.includes('experiment_id')) throw new RefusedResultError('missing_field', `the header has no experiment_id column (columns: ${header.join(', ')})`, 'experiment_id');
  const target = expectations?.target;
  if (target !== undefined && !header.includes(target) && records.some((r) => (r.status ?? 'completed') !== 'failed')) {
    throw new RefusedResultError('missing_field', `the header has no "${target}" column for the objective (columns: ${header.join(', ')})`, target);
  }
  const problems: string[] = [];
  const results: LabResult[] = [];
  records.forEach((record, i) => {
    const line = `row ${i + 2}`;
    const status = record.status === undefined || record.status === '' ? 'completed' : record.status;
    const payload: Record<string, unknown> = { experimentId: record.experiment_id ?? '', status, row: record };
    if (status === 'failed') payload.reason = unescapeSpreadsheetCell(record.reason ?? ''); // as csvText escaped it, if it did
    else {
      const values: Record<string, number | string> = {};
      for (const [column, cell] of Object.entries(record)) {
        if (NOT_QUANTITIES.has(column) || !QUANTITY.test(column) || cell === '') continue;
        if (NUMBER.test(cell)) values[column] = Number(cell);
        else if (column === target) values[column] = cell; // refused below, naming the cell
      }
      payload.values = values;
    }
    try {
      results.push(parseResultPayload(payload, expectations));
    } catch (error) {
      if (!(error instanceof RefusedResultError)) throw error;
      const field = error.field === 'experimentId' ? 'experiment_id' : error.field?.replace(/^values\./, '');
      problems.push(`${line}${field ? ` (${field})` : ''}: ${error.message.replace(/^values\./, '')}`);
    }
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).join('\n');
    throw new RefusedResultError('invalid_result', problems.length > 20 ? `${shown}\n… and ${problems.length - 20} more` : shown);
  }
  return results;
}
