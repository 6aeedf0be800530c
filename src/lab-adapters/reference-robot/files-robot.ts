/**
 * The reference robot of a file-drop lab (docs/lab-protocols.md): takes worklists and cancellation
 * lists from outbox/ (moving them to taken/), runs them, and drops result files into inbox/,
 * written under a temporary name and renamed so Athanor never sees half a file.
 */
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ExperimentOrder } from '../contract.js';
import { csvText, unescapeSpreadsheetCell, writeFileAtomic } from '../files/csv-text.js';
import { SettledFiles } from '../files/settled-files.js';
import { describeError } from '../log.js';
import { startRobotParts, type RobotOptions, type RobotParts } from './robot-parts.js';

export interface FilesRobotOptions extends RobotOptions {
  /** The lab's root folder (outbox/, inbox/ … as Athanor's file-drop adapter uses them). */
  folder: string;
  /** How often the robot looks for worklists and writes the results it has. */
  intervalMs?: number;
}

export interface FilesReferenceRobot extends RobotParts {
  address: string;
  close(): Promise<void>;
}

const WORKLIST_COLUMNS = new Set(['experiment_id', 'campaign_id', 'seq', 'well', 'candidate_key']);
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export async function startFilesRobot(options: FilesRobotOptions): Promise<FilesReferenceRobot> {
  const parts = await startRobotParts('lab-sim files', options);
  const { lab, outbox, log } = parts;
  const folders = { outbox: join(options.folder, 'outbox'), inbox: join(options.folder, 'inbox'), taken: join(options.folder, 'taken') };
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
  const incoming = new SettledFiles(folders.outbox, 100);
  let written = 0;

  const take = async (name: string) => {
    const rows = parse(readFileSync(join(folders.outbox, name), 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
    for (const row of rows) {
      const id = row.experiment_id ?? '';
      if (name.startsWith('cancel-')) await lab.cancel(id);
      else await lab.dispatch(orderOfRow(row));
    }
    renameSync(join(folders.outbox, name), join(folders.taken, name));
    incoming.forget(name);
  };

  const tick = async () => {
    for (const name of incoming.scan()) {
      if (!/^(worklist|cancel|platemap)-.*\.csv$/.test(name)) continue;
      try {
        if (name.startsWith('platemap-')) {
          renameSync(join(folders.outbox, name), join(folders.taken, name));
          incoming.forget(name);
        } else await take(name);
      } catch (error) {
        log.warn({ file: name, error: describeError(error) }, 'cannot take a worklist yet');
      }
    }
    const due = outbox.due();
    if (due.length === 0) return;
    const payloads = due.map((r) => r.payload as Record<string, unknown>);
    const quantities = [...new Set(payloads.flatMap((p) => Object.keys((p.values as Record<string, number> | undefined) ?? {})))];
    const rows = payloads.map((p) => [
      String(p.experimentId ?? ''),
      String(p.status ?? ''),
      ...quantities.map((q) => (p.values as Record<string, number> | undefined)?.[q]),
      p.reason === undefined ? '' : String(p.reason),
    ]);
    const file = `results-${Date.now()}-${String(++written).padStart(4, '0')}.csv`;
    writeFileAtomic(join(folders.inbox, file), csvText(['experiment_id', 'status', ...quantities, 'reason'], rows));
    for (const report of due) outbox.ack(report.id); // a file, once dropped, is delivered
  };

  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick()
      .catch((error: unknown) => log.error({ error: describeError(error) }, 'robot cycle failed'))
      .finally(() => (busy = false));
  }, options.intervalMs ?? 200);

  return {
    ...parts,
    address: options.folder,
    close: async () => {
      clearInterval(timer);
      await lab.stop();
    },
  };
}

/** A worklist row back into an order: *_smiles columns are substances, the others parameters. */
function orderOfRow(row: Record<string, string>): ExperimentOrder {
  const parameters: Record<string, string | number> = {};
  const substances: Record<string, string> = {};
  for (const [column, written] of Object.entries(row)) {
    if (WORKLIST_COLUMNS.has(column)) continue;
    const cell = unescapeSpreadsheetCell(written); // worklists quote formula-looking cells for spreadsheets
    if (column.endsWith('_smiles')) substances[column.slice(0, -'_smiles'.length)] = cell;
    else parameters[column] = NUMERIC.test(cell) ? Number(cell) : cell;
  }
  return {
    id: row.experiment_id ?? '',
    campaignId: row.campaign_id ?? '',
    seq: Number(row.seq ?? 0),
    candidateKey: row.candidate_key ?? '',
    parameters,
    substances,
  };
}
