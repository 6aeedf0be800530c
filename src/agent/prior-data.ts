/**
 * Reads a campaign file's `prior:` entries into rows placed on the campaign's candidates
 * (docs/transfer.md): earlier campaigns of the same database, and CSV files of historical
 * experiments or Open Reaction Database datasets inside the data folders, each cell matched to a choice by the scope table's rules
 * (cellMatcher: a choice's name, its SMILES in any form, or a numeric value).
 *
 * A row that does not map (a cell naming no choice, a combination the space forbids, a value that
 * is not a number or lies outside the objective's bounds) is reported with its line and the rest
 * are imported; a source none of whose rows maps, a missing column, a source campaign that is not
 * there or optimises something else, is an error naming the field.
 */
import { cellMatcher, confinedSpecPath, CampaignSpecError, specParameters, type CampaignSpec, type PriorSourceSpec } from '../campaign/index.js';
import { getCampaign, listCampaigns, listSourceRows, type Db, type NewPriorResult, type PriorProblem } from '../db/index.js';
import type { SearchSpace } from '../planner/space.js';
import { readCsv, type CsvRow } from '../util/csv.js';
import { isOrdFile, OrdFileError, readOrdTable } from '../export/ord/table.js';
import { turnTaker } from '../util/turns.js';

export type ReadPriorTable = (path: string) => Promise<{ header: string[]; rows: CsvRow[] }>;

export interface CollectedPrior {
  rows: NewPriorResult[];
  problems: PriorProblem[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The quantities a row's values may name: what this campaign measures and models. */
function quantitiesOf(spec: CampaignSpec): { target: string; bounds: Map<string, [number, number]> } {
  const bounds = new Map<string, [number, number]>();
  if (spec.objective.bounds) bounds.set(spec.objective.target, [spec.objective.bounds[0], spec.objective.bounds[1]]);
  for (const t of spec.objective.pareto ?? []) if (t.bounds) bounds.set(t.target, [t.bounds[0], t.bounds[1]]);
  return { target: spec.objective.target, bounds };
}

/** A CSV, or an Open Reaction Database Dataset (.pb, .pb.gz, .ord.json) as a table of its reactions (export/ord/table.ts). */
export const readPriorTable: ReadPriorTable = (path) => (isOrdFile(path) ? readOrdTable(path) : readCsv(path));

export async function collectPriorData(db: Db, spec: CampaignSpec, space: SearchSpace, readTable: ReadPriorTable = readPriorTable): Promise<CollectedPrior> {
  const out: CollectedPrior = { rows: [], problems: [] };
  for (const [i, entry] of (spec.prior ?? []).entries()) {
    const before = out.rows.length;
    const problemsBefore = out.problems.length;
    const label = 'file' in entry ? await collectFile(spec, space, entry, i, readTable, out) : await collectCampaign(db, spec, space, entry, i, out);
    if (out.rows.length === before) {
      const problems = out.problems.slice(problemsBefore);
      const examples = problems.slice(0, 5).map((p) => `${'file' in entry ? 'line' : 'experiment'} ${p.origin}: ${p.reason}`).join('; ');
      throw new CampaignSpecError([{ path: `prior[${i}]`, message: `none of the rows of ${label} maps onto this campaign's space${problems.length > 0 ? ` (${problems.length} rows: ${examples})` : ' (it has no results)'}` }]);
    }
  }
  return out;
}

/** Checks one row's measured values; returns the values or the reason they cannot be used. */
function valuesOf(raw: Record<string, string | number | undefined>, spec: CampaignSpec): Record<string, number> | string {
  const { target, bounds } = quantitiesOf(spec);
  const values: Record<string, number> = {};
  for (const [quantity, cell] of Object.entries(raw)) {
    if (cell === undefined || (typeof cell === 'string' && cell.trim() === '')) continue;
    const value = typeof cell === 'number' ? cell : Number(cell.trim());
    if (!Number.isFinite(value)) return `${quantity} ${JSON.stringify(cell)} is not a number`;
    const range = bounds.get(quantity);
    if (range && (value < range[0] || value > range[1])) return `${quantity} ${value} is outside the objective's bounds [${range[0]}, ${range[1]}]`;
    values[quantity] = value;
  }
  if (Object.keys(values).length === 0) return `no measured value (${Object.keys(raw).join(', ') || target})`;
  return values;
}

async function collectFile(spec: CampaignSpec, space: SearchSpace, entry: Extract<PriorSourceSpec, { file: string }>, i: number, readTable: ReadPriorTable, out: CollectedPrior): Promise<string> {
  const path = await confinedSpecPath(spec, ['prior', i, 'file'], entry.file);
  const table = await readTable(path).catch((error: unknown) => {
    throw error instanceof OrdFileError ? new CampaignSpecError([{ path: `prior[${i}].file`, message: error.message }]) : error;
  });
  const params = specParameters(spec);
  const missing: { path: string; message: string }[] = [];
  // a parameter the space fixes to one choice needs no column: every row takes that choice (a
  // related task's rows, e.g. other aryl halides when the campaign runs one, are placed that way)
  const fixed = new Map(params.filter((p) => p.choices.length === 1 && entry.columns[p.name] === undefined).map((p) => [p.name, String(p.choices[0])]));
  for (const p of params) {
    const column = entry.columns[p.name];
    if (column === undefined && fixed.has(p.name)) continue;
    if (column === undefined) missing.push({ path: `prior[${i}].columns`, message: `no column is given for parameter "${p.name}" (every parameter of the space needs one)` });
    else if (!table.header.includes(column)) missing.push({ path: `prior[${i}].columns.${p.name}`, message: `column "${column}" is not in the header of ${entry.file} (columns: ${table.header.join(', ')})` });
  }
  for (const name of Object.keys(entry.columns)) {
    if (!params.some((p) => p.name === name)) missing.push({ path: `prior[${i}].columns.${name}`, message: `"${name}" is not a parameter of the space` });
  }
  for (const [quantity, column] of Object.entries(entry.results)) {
    if (!table.header.includes(column)) missing.push({ path: `prior[${i}].results.${quantity}`, message: `column "${column}" is not in the header of ${entry.file} (columns: ${table.header.join(', ')})` });
  }
  if (entry.task_column !== undefined && !table.header.includes(entry.task_column)) {
    missing.push({ path: `prior[${i}].task_column`, message: `column "${entry.task_column}" is not in the header of ${entry.file} (columns: ${table.header.join(', ')})` });
  }
  if (missing.length > 0) throw new CampaignSpecError(missing);

  const fixedColumn = (name: string) => `\u0000fixed ${name}`;
  const columns = Object.fromEntries(params.map((p) => [p.name, entry.columns[p.name] ?? fixedColumn(p.name)]));
  const matchers = params.map((p) => ({ name: p.name, column: columns[p.name]!, match: cellMatcher(p) }));
  const name = entry.name ?? entry.file;
  const pause = turnTaker();
  for (const [k, given] of table.rows.entries()) {
    await pause();
    const row: CsvRow = { ...given };
    for (const [name, choice] of fixed) row[fixedColumn(name)] = choice;
    const line = k + 2; // the header is line 1
    const sourceTask = entry.task_column !== undefined ? (row[entry.task_column] ?? '').trim() : '';
    const source = `file:${entry.file}${sourceTask ? `#${sourceTask}` : ''}`;
    const sourceName = sourceTask ? `${name} (${sourceTask})` : name;
    const unmatched = matchers.find((m) => m.match(row[m.column] ?? '') === undefined);
    if (unmatched) {
      out.problems.push({ source, origin: line, reason: `"${unmatched.column}" ${JSON.stringify(row[unmatched.column] ?? '')} matches no choice of "${unmatched.name}"` });
      continue;
    }
    const key = space.keyOfRow(row, columns);
    const candidate = key === null ? undefined : space.indexOfKey(key);
    if (candidate === undefined) {
      out.problems.push({ source, origin: line, reason: 'not a candidate of the space (a forbidden combination, or not in the scope table)' });
      continue;
    }
    const values = valuesOf(Object.fromEntries(Object.entries(entry.results).map(([q, column]) => [q, row[column]])), spec);
    if (typeof values === 'string') {
      out.problems.push({ source, origin: line, reason: values });
      continue;
    }
    out.rows.push({ source, sourceName, task: entry.task, origin: line, candidateKey: space.keyOf(candidate), parameters: space.valuesOf(candidate), values });
  }
  return entry.file;
}

async function collectCampaign(db: Db, spec: CampaignSpec, space: SearchSpace, entry: Extract<PriorSourceSpec, { campaign: string }>, i: number, out: CollectedPrior): Promise<string> {
  const at = `prior[${i}].campaign`;
  const found = UUID.test(entry.campaign) ? await getCampaign(db, entry.campaign) : (await listCampaigns(db)).filter((c) => c.name === entry.campaign);
  const candidates = Array.isArray(found) ? found : found ? [found] : [];
  if (candidates.length === 0) throw new CampaignSpecError([{ path: at, message: `no campaign in this database has the id or name ${JSON.stringify(entry.campaign)}` }]);
  if (candidates.length > 1) throw new CampaignSpecError([{ path: at, message: `${candidates.length} campaigns are named ${JSON.stringify(entry.campaign)}: give its id (${candidates.map((c) => c.id).join(', ')})` }]);
  const source = candidates[0]!;
  const theirs = source.spec.objective;
  const ours = spec.objective;
  if (theirs.target !== ours.target || theirs.direction !== ours.direction) {
    throw new CampaignSpecError([{ path: at, message: `campaign "${source.name}" has another objective (${theirs.direction} ${theirs.target}; this campaign: ${ours.direction} ${ours.target})` }]);
  }
  const params = specParameters(spec);
  const matchers = params.map((p) => ({ name: p.name, match: cellMatcher(p) }));
  const columns = Object.fromEntries(params.map((p) => [p.name, p.name]));
  const name = entry.name ?? source.name;
  const pause = turnTaker();
  for (const row of await listSourceRows(db, source.id)) {
    await pause();
    // a substance is matched by its SMILES (the two campaigns may name it differently), the rest by value
    const cells: Record<string, string> = {};
    for (const p of params) {
      const smiles = p.kind === 'substance' ? row.substances[p.name] : undefined;
      const value = row.parameters[p.name];
      cells[p.name] = smiles !== undefined && smiles !== '' ? smiles : value === undefined ? '' : String(value);
    }
    const unmatched = matchers.find((m) => m.match(cells[m.name] ?? '') === undefined);
    const sourceId = `campaign:${source.id}`;
    if (unmatched) {
      out.problems.push({ source: sourceId, origin: row.seq, reason: `"${unmatched.name}" ${JSON.stringify(cells[unmatched.name] ?? '')} matches no choice of this campaign` });
      continue;
    }
    const key = space.keyOfRow(cells, columns);
    const candidate = key === null ? undefined : space.indexOfKey(key);
    if (candidate === undefined) {
      out.problems.push({ source: sourceId, origin: row.seq, reason: 'not a candidate of the space (a forbidden combination, or not in the scope table)' });
      continue;
    }
    const values = valuesOf(row.values, spec);
    if (typeof values === 'string') {
      out.problems.push({ source: sourceId, origin: row.seq, reason: values });
      continue;
    }
    out.rows.push({ source: sourceId, sourceName: name, task: entry.task, origin: row.seq, candidateKey: space.keyOf(candidate), parameters: space.valuesOf(candidate), values });
  }
  return `campaign "${source.name}"`;
}
