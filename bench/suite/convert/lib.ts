/**
 * Shared plumbing of the suite's dataset converters: read a published source file (checked
 * against the SHA-256 its converter was written for, so a converter always produces the same
 * task), write the task's data.csv and its campaign.yaml.
 *
 * A converter is run as `npx tsx bench/suite/convert/<task>.ts <source file>`; the source file is
 * not committed (each converter says where to download it), the converted task is.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { Document, isCollection } from 'yaml';

export const TASKS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'tasks');

/** Where a task's data came from. */
export interface SourceFile {
  /** owner/name on GitHub. */
  repo: string;
  commit: string;
  path: string;
  sha256: string;
}

export function rawUrl(source: SourceFile): string {
  return `https://raw.githubusercontent.com/${source.repo}/${source.commit}/${source.path}`;
}

/** The source file named on the command line, refused unless it is the exact file the converter was written for. */
export function readSource(source: SourceFile, argv: string[] = process.argv.slice(2)): string {
  const path = argv[0];
  if (!path) {
    console.error(`usage: npx tsx ${process.argv[1] ?? 'convert.ts'} <source file>\nsource: ${rawUrl(source)}`);
    process.exit(2);
  }
  const bytes = readFileSync(path);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== source.sha256) {
    console.error(`${path}: SHA-256 ${digest} is not the expected ${source.sha256}\n(download ${rawUrl(source)})`);
    process.exit(1);
  }
  return bytes.toString('utf8');
}

/** A CSV with a header row, as records. */
export function parseCsvRecords(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
}

/** A CSV without a header row, as arrays of cells. */
export function parseCsvCells(text: string): string[][] {
  return parse(text, { skip_empty_lines: true, trim: true, bom: true }) as string[][];
}

/* csv-stringify is not a dependency; quoting per RFC 4180 is a few lines. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function writeTaskCsv(task: string, columns: readonly string[], rows: readonly Record<string, string | number>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) {
    lines.push(
      columns
        .map((c) => {
          const v = row[c];
          if (v === undefined) throw new Error(`${task}: row without column ${c}`);
          return csvField(v);
        })
        .join(','),
    );
  }
  const file = join(TASKS_DIR, task, 'data.csv');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** One substance role of a task: choice name → SMILES ('' for "none"), in a stable order. */
export type Role = Record<string, string>;

/** Collects each role's choices from the rows (name column → SMILES column), sorted by name. */
export function roleFromRows(rows: readonly Record<string, string>[], nameColumn: string, smilesColumn: string): Role {
  const choices = new Map<string, string>();
  for (const row of rows) {
    const name = row[nameColumn] ?? '';
    const smiles = row[smilesColumn] ?? '';
    const seen = choices.get(name);
    if (seen !== undefined && seen !== smiles) throw new Error(`${nameColumn} "${name}" has two SMILES: ${seen} and ${smiles}`);
    choices.set(name, smiles);
  }
  return Object.fromEntries([...choices].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
}

export interface CampaignFile {
  /** Comment lines at the top of the file (without '#'). */
  header: string[];
  name: string;
  description: string;
  objective: { target: string; direction: 'maximize' | 'minimize'; bounds: [number, number]; unit?: string };
  substances?: Record<string, Role>;
  numeric?: Record<string, { values: number[]; unit?: string }>;
  /** Parameter → data.csv column; also the scope's columns when `scope` is set. */
  columns: Record<string, string>;
  /** The space is exactly the data file's rows (not a complete grid). */
  scope: boolean;
  results: Record<string, string>;
  /** Column of the observed product's SMILES, when the dataset has one. */
  product?: string;
}

/** Writes the task's campaign file: batch 5, budget 100, the dataset simulator on data.csv without noise. */
export function writeCampaign(task: string, c: CampaignFile): string {
  const space: Record<string, unknown> = {};
  if (c.substances) space['substances'] = c.substances;
  if (c.numeric) space['numeric'] = c.numeric;
  if (c.scope) space['scope'] = { file: 'data.csv', columns: c.columns };
  const doc = {
    name: c.name,
    description: c.description,
    objective: c.objective,
    space,
    budget: { experiments: 100, batch: 5 },
    seed: 1,
    planner: { initial_design: 'diverse' },
    lab: { type: 'simulator', dataset: 'data.csv', columns: c.columns, results: c.results, ...(c.product ? { product: c.product } : {}), noise_sd: 0, latency_ms: 0, failure_rate: 0 },
  };
  const header = [...c.header, `Generated by bench/suite/convert/${task}.ts; reference for every field: docs/campaign-file.md`]
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  const yaml = new Document(doc);
  // short lists (bounds, numeric values) read best on one line
  for (const path of [['objective', 'bounds'], ...Object.keys(c.numeric ?? {}).map((n) => ['space', 'numeric', n, 'values'])]) {
    const node = yaml.getIn(path, true);
    if (isCollection(node)) node.flow = true;
  }
  const body = yaml.toString({ lineWidth: 0, singleQuote: true });
  const file = join(TASKS_DIR, task, 'campaign.yaml');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${header}\n\n${body}`);
  return file;
}

/** The number of combinations of the roles' and numeric parameters' choices. */
export function gridSize(c: Pick<CampaignFile, 'substances' | 'numeric'>): number {
  const sizes = [...Object.values(c.substances ?? {}).map((r) => Object.keys(r).length), ...Object.values(c.numeric ?? {}).map((p) => p.values.length)];
  return sizes.reduce((n, k) => n * k, 1);
}

/** Fails the conversion unless the rows are as many as published and no candidate appears twice. */
export function checkRows(task: string, rows: readonly Record<string, string | number>[], keyColumns: readonly string[], expected: number): void {
  if (rows.length !== expected) throw new Error(`${task}: ${rows.length} rows, the publication has ${expected}`);
  const seen = new Set<string>();
  for (const row of rows) {
    const key = keyColumns.map((c) => String(row[c])).join('\u0000');
    if (seen.has(key)) throw new Error(`${task}: candidate ${key.replace(/\u0000/g, ' | ')} appears twice`);
    seen.add(key);
  }
}

/** A number as written in the source, parsed strictly (no silent NaN). */
export function numberOf(value: string | undefined, what: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n)) throw new Error(`${what}: "${value}" is not a number`);
  return n;
}
