import { access } from 'node:fs/promises';
import { readCsv, type CsvRow } from '../util/csv.js';
import { formatPath, type IssueList, type PathSegment } from './errors.js';
import { cellMatcher } from './match.js';
import { specParameters } from './parameters.js';
import type { CampaignSpec, ParameterInfo } from './types.js';

/* Checks against the tables a spec names: that they exist, have the columns the spec maps to,
 * and that their cells mean something in this space. Runs after checkSubstances, since matching
 * cells needs the chemistry initialised. */

interface Table {
  path: string;
  header: string[];
  rows: CsvRow[];
}

/** `confined`: the real path of each path field inside the data folders, by dotted field
 * (confine.ts); a field missing from it was refused and is not opened. */
export async function checkFiles(spec: CampaignSpec, issues: IssueList, confined: ReadonlyMap<string, string>): Promise<void> {
  const params = new Map(specParameters(spec).map((p) => [p.name, p]));
  const scope = spec.space.scope;
  if (scope !== undefined) {
    const table = await openTable(confined, ['space', 'scope', 'file'], issues);
    if (table !== undefined) checkScopeTable(table, scope.columns, params, issues);
  }
  const forwardModelAt = ['planner', 'discovery', 'forward_model'];
  const forwardModel = confined.get(formatPath(forwardModelAt));
  if (forwardModel !== undefined) {
    try {
      await access(forwardModel);
    } catch {
      issues.add(forwardModelAt, `file not found: ${forwardModel}`);
    }
  }
  const lab = spec.lab;
  switch (lab.type) {
    case 'simulator':
    case 'emulator': {
      const table = await openTable(confined, ['lab', 'dataset'], issues);
      if (table === undefined) break;
      checkDatasetColumns(table, lab.columns, params, issues);
      checkResultColumns(table, lab.results, issues);
      if (lab.type === 'simulator' && lab.product !== undefined && !table.header.includes(lab.product)) {
        issues.add(['lab', 'product'], missingColumn(lab.product, table));
      }
      break;
    }
  }
}

async function openTable(confined: ReadonlyMap<string, string>, at: PathSegment[], issues: IssueList): Promise<Table | undefined> {
  const path = confined.get(formatPath(at));
  if (path === undefined) return undefined;
  try {
    await access(path);
  } catch {
    issues.add(at, `file not found: ${path}`);
    return undefined;
  }
  try {
    const { header, rows } = await readCsv(path);
    if (rows.length === 0) {
      issues.add(at, `${path} has no data rows`);
      return undefined;
    }
    return { path, header, rows };
  } catch (e) {
    issues.add(at, `cannot read ${path} as CSV: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** Columns of `columns` that exist in the table, for parameters that exist; the others are
 * reported here (a missing column) or were already reported by checkSpec (an unknown parameter). */
function presentColumns(
  table: Table,
  at: PathSegment[],
  columns: Record<string, string>,
  params: Map<string, ParameterInfo>,
  issues: IssueList,
): [ParameterInfo, string][] {
  const out: [ParameterInfo, string][] = [];
  for (const [name, column] of Object.entries(columns)) {
    const param = params.get(name);
    if (param === undefined) continue;
    if (!table.header.includes(column)) {
      issues.add([...at, name], missingColumn(column, table));
      continue;
    }
    out.push([param, column]);
  }
  return out;
}

/** The space is the table's rows, so every cell of a mapped column must name a choice. */
function checkScopeTable(table: Table, columns: Record<string, string>, params: Map<string, ParameterInfo>, issues: IssueList): void {
  const at: PathSegment[] = ['space', 'scope', 'columns'];
  for (const [param, column] of presentColumns(table, at, columns, params, issues)) {
    const match = cellMatcher(param);
    const bad: { row: number; cell: string }[] = [];
    table.rows.forEach((row, i) => {
      const cell = row[column] ?? '';
      if (match(cell) === undefined) bad.push({ row: i + 1, cell });
    });
    if (bad.length > 0) {
      const examples = bad.slice(0, 3).map((b) => `${JSON.stringify(b.cell)} (data row ${b.row})`).join(', ');
      issues.add(
        [...at, param.name],
        `${bad.length} of ${table.rows.length} rows of ${table.path} have a "${column}" that matches no choice of "${param.name}", e.g. ${examples}`,
      );
    }
  }
}

/** A dataset may hold more than the space (other ligands, other temperatures), so unmatched rows
 * are fine; a column none of whose cells matches is a mapping mistake (the wrong column). */
function checkDatasetColumns(table: Table, columns: Record<string, string>, params: Map<string, ParameterInfo>, issues: IssueList): void {
  const at: PathSegment[] = ['lab', 'columns'];
  for (const [param, column] of presentColumns(table, at, columns, params, issues)) {
    const match = cellMatcher(param);
    if (table.rows.some((row) => match(row[column] ?? '') !== undefined)) continue;
    const example = table.rows[0]?.[column] ?? '';
    issues.add(
      [...at, param.name],
      `no value in column "${column}" of ${table.path} matches a choice of "${param.name}" (first value: ${JSON.stringify(example)})`,
    );
  }
}

function checkResultColumns(table: Table, results: Record<string, string>, issues: IssueList): void {
  for (const [quantity, column] of Object.entries(results)) {
    const at: PathSegment[] = ['lab', 'results', quantity];
    if (!table.header.includes(column)) {
      issues.add(at, missingColumn(column, table));
      continue;
    }
    const index = table.rows.findIndex((row) => {
      const cell = (row[column] ?? '').trim();
      return cell !== '' && !Number.isFinite(Number(cell));
    });
    if (index >= 0) {
      issues.add(at, `column "${column}" of ${table.path} is not numeric: ${JSON.stringify(table.rows[index]?.[column])} (data row ${index + 1})`);
    }
  }
}

function missingColumn(column: string, table: Table): string {
  return `column "${column}" is not in the header of ${table.path} (columns: ${table.header.join(', ')})`;
}
