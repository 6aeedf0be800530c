/**
 * Results entered through the API (by hand, from a lab token, from a CSV upload): checked, then
 * stored exactly once in batched transactions, without holding the event loop. On the embedded
 * database every statement runs on the event loop's own thread and a chain of awaited queries
 * never lets other requests in, so the work is cut into batches (a few statements each) with a
 * turn of the event loop between them: /api/health and every other request keep answering while
 * thousands of rows are stored. PostgreSQL takes the same path (fewer round trips there too).
 *
 * Every entry belongs to the campaign it was sent to: a number or id that is not one of its
 * experiments is quarantined in that campaign (and listed there), never stored anywhere else.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse } from 'csv-parse';
import type { CampaignIssue, CampaignSpec } from '../campaign/index.js';
import { experimentIndex, getCampaign, IN_FLIGHT, storeResults, type IncomingReport, type QuarantineGuard, type StoreOutcome } from '../db/index.js';
import { RetryLaterError } from '../lab-adapters/contract.js';
import { parseDecimal } from '../util/decimal.js';
import { csvDialectOf, csvReadProblem, decimalPoint } from '../util/csv-dialect.js';
import { findUnsafeLines } from '../util/safe-text.js';
import { OperatorError, type ExperimentRef, type OperatorContext } from './operator-actions.js';
import { objectiveQuantities } from '../campaign/objective-schema.js';
import { reportedQuantities } from '../campaign/objective-checks.js';
import { resultExpectations } from '../lab-adapters/result-payload.js';

export interface ResultEntry {
  /** UUID, or the experiment's number in the campaign. */
  experiment: ExperimentRef;
  values: Record<string, number>;
}

export interface EntryOutcome {
  experiment: ExperimentRef;
  outcome: StoreOutcome['outcome'];
  seq?: number;
  reason?: string;
}

/**
 * How long one batch may hold the event loop. A batch is a handful of statements, but on the
 * embedded database their cost grows with the rows and with how busy the machine is (a 200-row
 * insert measured 50–450 ms on two loaded cores), so the batch size follows the time the last
 * batch took rather than a fixed count.
 */
const BATCH_TARGET_MS = 15;
const FIRST_BATCH = 20;
const MAX_BATCH = 100;
/** Entries checked (or CSV characters read) between two turns of the event loop. */
const CHECK_BATCH = 500;
const CSV_PIECE = 32 * 1024;

/**
 * Names a result may carry: every quantity the objective names (its targets, several for Pareto and
 * desirability, and constrained ones) and what the lab reports.
 */
export function measuredQuantities(spec: CampaignSpec): string[] {
  const names = new Set(objectiveQuantities(spec.objective).filter((q) => !(spec.objective.desirability && q === spec.objective.target)));
  for (const q of reportedQuantities(spec) ?? []) names.add(q);
  if ('results' in spec.lab && spec.lab.results) for (const k of Object.keys(spec.lab.results)) names.add(k);
  return [...names];
}

/**
 * Problems of one entry's values: unknown names, non-numbers, values outside their target's
 * bounds, and a missing target (one target: it is required; several: at least one of them, the
 * result is stored and used for the targets it has, as from a lab).
 */
export function resultValueIssues(spec: CampaignSpec, known: readonly string[], values: Record<string, unknown>, where: string): CampaignIssue[] {
  const issues: CampaignIssue[] = [];
  const expect = resultExpectations(spec.objective);
  const targets = expect.targets ?? [{ name: expect.target, ...(expect.bounds ? { bounds: expect.bounds } : {}) }];
  if (expect.targets) {
    if (!targets.some((t) => values[t.name] !== undefined)) {
      issues.push({ path: `${where}.${targets[0]!.name}`, message: `give at least one of the objective's targets (${targets.map((t) => t.name).join(', ')})` });
    }
  } else if (values[expect.target] === undefined) {
    issues.push({ path: `${where}.${expect.target}`, message: `the objective's target "${expect.target}" is required` });
  }
  for (const [name, value] of Object.entries(values)) {
    const bounds = targets.find((t) => t.name === name)?.bounds;
    if (!known.includes(name)) {
      issues.push({ path: `${where}.${name}`, message: `not a measured quantity of this campaign (${known.join(', ')})` });
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ path: `${where}.${name}`, message: 'must be a finite number' });
    } else if (bounds && (value < bounds[0] || value > bounds[1])) {
      issues.push({ path: `${where}.${name}`, message: `must lie within the objective's bounds [${bounds[0]}, ${bounds[1]}]` });
    }
  }
  return issues;
}

export interface IngestOptions {
  /** How the results came: 'manual', 'lab-token', 'csv' (recorded as the source, with the actor). */
  via?: string;
  /** The rate limit on quarantine writes (src/agent/quarantine-limit.ts). */
  guard?: QuarantineGuard;
}

/**
 * Stores results entered through the API, each exactly once (a repeat is a duplicate; an entry for
 * an experiment that is not this campaign's, or that was cancelled or failed, is quarantined in
 * this campaign). Every entry is checked first: when any is invalid, none is stored. When the
 * quarantine rate limit stops a request part way, what was stored stays stored and a resend
 * stores nothing twice (and quarantines nothing twice).
 */
export async function ingestResults(ctx: OperatorContext, campaignId: string, entries: readonly ResultEntry[], options: IngestOptions = {}): Promise<EntryOutcome[]> {
  const via = options.via ?? 'manual';
  const campaign = await getCampaign(ctx.db, campaignId);
  if (!campaign) throw new OperatorError('not_found', 'campaign_not_found', `no campaign has the id ${campaignId}`, 'id');
  const spec = campaign.spec;
  const known = measuredQuantities(spec);
  const issues: CampaignIssue[] = [];
  for (let i = 0; i < entries.length; i++) {
    issues.push(...resultValueIssues(spec, known, entries[i]!.values, `results[${i}]`));
    if (i % CHECK_BATCH === CHECK_BATCH - 1) await nextTurn();
  }
  if (issues.length > 0) throw new OperatorError('invalid', 'invalid_results', summarize(issues), issues[0]?.path, issues);

  const index = await experimentIndex(ctx.db, campaign.id);
  const byId = new Map(index.map((e) => [e.id, e]));
  const bySeq = new Map(index.map((e) => [e.seq, e]));
  const source = `${via}:${ctx.actor}`;
  const reports: IncomingReport[] = entries.map((entry) => {
    const experiment = typeof entry.experiment === 'number' ? bySeq.get(entry.experiment) : byId.get(entry.experiment.toLowerCase());
    // An unknown reference still goes to storeResults, which quarantines it in this campaign (invariant 3).
    const experimentId = experiment?.id ?? (typeof entry.experiment === 'number' ? `${campaign.id}#${entry.experiment}` : entry.experiment);
    return { experimentId, values: entry.values, raw: { entered: via, by: ctx.actor, values: entry.values }, source };
  });

  const outcomes: EntryOutcome[] = [];
  const runner = ctx.runnerOf(campaign.id);
  try {
    for (let start = 0, size = FIRST_BATCH; start < reports.length; ) {
      const began = performance.now();
      const stored = await storeResults(ctx.db, campaign.id, reports.slice(start, start + size), options.guard);
      const took = performance.now() - began;
      for (const [k, outcome] of stored.entries()) {
        const entry = entries[start + k]!;
        outcomes.push({
          experiment: entry.experiment,
          outcome: outcome.outcome,
          ...('seq' in outcome ? { seq: outcome.seq } : {}),
          ...(outcome.outcome === 'quarantined' || outcome.outcome === 'conflict' ? { reason: outcome.reason } : {}),
        });
        // Measured while the lab still holds it (by hand, or a robot reporting with its token
        // rather than through its adapter): free the lab's place, or a simulator stays "full"
        // and refuses the next dispatches. A lab that has finished it answers false: harmless.
        const experiment = byId.get(reports[start + k]!.experimentId);
        if (outcome.outcome === 'stored' && runner && experiment && IN_FLIGHT.includes(experiment.status)) {
          await runner.runtime.lab.cancel(experiment.id).catch(() => false);
        }
      }
      size = Math.max(1, Math.min(MAX_BATCH, Math.round((stored.length * BATCH_TARGET_MS) / Math.max(took, 1))));
      start += stored.length;
      if (start < reports.length) await nextTurn();
    }
  } catch (error) {
    if (error instanceof RetryLaterError && outcomes.length > 0) {
      throw new RetryLaterError(error.code, `${outcomes.length} of ${entries.length} entries were recorded before the limit; ${error.message}`, error.retryAfterSeconds);
    }
    throw error;
  } finally {
    if (outcomes.length > 0) runner?.noteActivity();
  }
  return outcomes;
}

function summarize(issues: readonly CampaignIssue[], limit = 50): string {
  const shown = issues.slice(0, limit).map((i) => `${i.line !== undefined ? `line ${i.line}: ` : ''}${i.path}: ${i.message}`);
  return issues.length > limit ? `${shown.join('\n')}\n… and ${issues.length - limit} more` : shown.join('\n');
}

const EXPERIMENT_COLUMNS = ['experiment', 'experiment_id', 'seq'];

/**
 * Reads an uploaded CSV (a column naming the experiment, one per measured quantity) into entries,
 * or every problem with its line. Parsed a piece at a time with turns of the event loop between
 * pieces, so a large upload does not hold other requests. Numbers must be written as decimals
 * (`0x10`, `Infinity` are errors) and every column name must be unique.
 */
export async function readResultsCsv(spec: CampaignSpec, text: string): Promise<ResultEntry[]> {
  const invalid = (issues: CampaignIssue[]) => new OperatorError('invalid', 'invalid_csv', summarize(issues), issues[0]?.path, issues);
  const unsafe = findUnsafeLines(text, 3);
  if (unsafe.length > 0) throw invalid(unsafe.map((u) => ({ path: 'file', message: u.message, line: u.line })));
  let records: { cells: string[]; line: number }[];
  // a European spreadsheet's CSV: `;` between cells, decimal commas
  const dialect = csvDialectOf(text);
  try {
    records = await parseCsvPieces(text, dialect.delimiter);
  } catch (error) {
    const problem = csvReadProblem(error);
    throw invalid([{ path: 'file', message: `the CSV cannot be read: ${problem.message}`, ...(problem.line !== undefined ? { line: problem.line } : {}) }]);
  }
  const header = records.shift()?.cells ?? [];
  const known = measuredQuantities(spec);
  const issues: CampaignIssue[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (name !== '' && seen.has(name)) issues.push({ path: `header.${name}`, message: `the column "${name}" appears more than once`, line: 1 });
    seen.add(name);
  }
  const idIndex = header.findIndex((h) => EXPERIMENT_COLUMNS.includes(h));
  const idColumn = header[idIndex];
  if (idColumn === undefined) issues.push({ path: 'header', message: `needs a column naming the experiment (${EXPERIMENT_COLUMNS.join(' or ')})` });
  for (const h of new Set(header)) {
    if (h !== '' && h !== idColumn && !known.includes(h)) issues.push({ path: `header.${h}`, message: `not a measured quantity of this campaign (${known.join(', ')})` });
  }
  if (records.length === 0) issues.push({ path: 'rows', message: 'the CSV has no rows' });
  if (issues.length > 0 || idColumn === undefined) throw invalid(issues);

  const entries: ResultEntry[] = [];
  for (const [i, { cells, line }] of records.entries()) {
    const ref = cells[idIndex] ?? '';
    const experiment: ExperimentRef = /^\d+$/.test(ref) ? Number(ref) : ref;
    if (ref === '') issues.push({ path: idColumn, message: 'is empty', line });
    const values: Record<string, number> = {};
    for (const [c, cell] of cells.entries()) {
      const column = header[c] ?? '';
      if (c === idIndex || cell === '') continue;
      if (column === '') {
        issues.push({ path: `column ${c + 1}`, message: `a value ("${clip(cell)}") in a column which has no name`, line });
        continue;
      }
      const value = parseDecimal(dialect.decimalComma ? decimalPoint(cell) : cell);
      if (value === undefined) issues.push({ path: column, message: `"${clip(cell)}" is not a decimal number`, line });
      else values[column] = value;
    }
    // each problem names its line and column, never a row index (the file has lines, not rows[0])
    for (const issue of resultValueIssues(spec, known, values, '')) issues.push({ ...issue, path: issue.path.replace(/^\./, ''), line });
    entries.push({ experiment, values });
    if (i % CHECK_BATCH === CHECK_BATCH - 1) await nextTurn();
  }
  if (issues.length > 0) throw invalid(issues);
  return entries;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** csv-parse's streaming parser fed a piece at a time, a turn of the event loop after each. */
async function parseCsvPieces(text: string, delimiter: string): Promise<{ cells: string[]; line: number }[]> {
  const records: { cells: string[]; line: number }[] = [];
  const parser = parse({ bom: true, skip_empty_lines: true, trim: true, info: true, delimiter });
  let failure: Error | undefined;
  parser.on('readable', () => {
    for (let r = parser.read() as { record: string[]; info: { lines: number } } | null; r !== null; r = parser.read() as typeof r) {
      records.push({ cells: r.record, line: r.info.lines });
    }
  });
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', (error: Error) => {
      failure = error;
      resolve();
    });
  });
  for (let at = 0; at < text.length && !failure; ) {
    let end = Math.min(text.length, at + CSV_PIECE);
    // never between the two halves of a surrogate pair (each half alone would be written as U+FFFD)
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
    parser.write(text.slice(at, end));
    at = end;
    await nextTurn();
  }
  if (!failure) parser.end();
  await ended;
  if (failure) throw failure;
  return records;
}
