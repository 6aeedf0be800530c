/**
 * How the reference robot "runs" an experiment: it looks the order up in a dataset of measured
 * reactions, knowing nothing of the campaign. Which column holds which parameter is given, or
 * found from the first order: a substance by its canonical SMILES (or its name), a number by
 * value, a category by name — preferring, among columns that match, the one with the fewest
 * distinct values (Temp_C rather than a running entry number). Replicates are averaged.
 * Needs initChem() to have been awaited (SMILES are compared in canonical form).
 */
import { canonicalOrNull } from '../../chem/index.js';
import type { ExperimentOrder } from '../contract.js';
import type { Measurement } from '../simulated-lab.js';
import type { RobotOracle } from './robot-oracle.js';

export interface DatasetOracleOptions {
  rows: Record<string, string>[];
  source: string;
  /** Measured quantity → column. */
  results: Record<string, string>;
  /** Parameter → column; parameters not named here are matched by content. */
  columns?: Record<string, string>;
}

type Mode = 'number' | 'text' | 'smiles';
interface Binding {
  column: string;
  mode: Mode;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SEP = '\u241f';

export class DatasetOracle implements RobotOracle {
  private bindings?: Map<string, Binding>;
  private readonly table = new Map<string, Record<string, number>>();
  private readonly header: string[];
  private readonly distinct = new Map<string, Set<string>>();

  constructor(private readonly options: DatasetOracleOptions) {
    this.header = Object.keys(options.rows[0] ?? {});
    for (const [quantity, column] of Object.entries(options.results)) {
      if (!this.header.includes(column)) throw new Error(`result "${quantity}": column "${column}" is not in ${options.source} (columns: ${this.header.join(', ')})`);
    }
    for (const column of this.header) this.distinct.set(column, new Set(options.rows.map((r) => (r[column] ?? '').trim())));
  }

  /** The quantities it reports. */
  get quantities(): string[] {
    return Object.keys(this.options.results);
  }

  measure(order: ExperimentOrder): Measurement {
    const raw = { source: this.options.source };
    if (!this.bindings) {
      const bound = this.bind(order);
      if (typeof bound === 'string') return { failure: bound, raw };
      this.bindings = bound;
      this.index(bound);
    }
    const key = this.orderKey(order, this.bindings);
    const values = key === undefined ? undefined : this.table.get(key);
    if (!values) return { failure: `the dataset ${this.options.source} has no row for ${describe(order)}`, raw };
    return { values, raw };
  }

  /** Parameter → column and how to compare, or why the order fits no column. */
  private bind(order: ExperimentOrder): Map<string, Binding> | string {
    const bindings = new Map<string, Binding>();
    const resultColumns = new Set(Object.values(this.options.results));
    for (const [name, value] of Object.entries(order.parameters)) {
      const smiles = order.substances[name];
      const given = this.options.columns?.[name];
      const columns = given !== undefined ? [given] : this.header.filter((c) => !resultColumns.has(c));
      if (given !== undefined && !this.header.includes(given)) return `column "${given}" for "${name}" is not in ${this.options.source}`;
      const candidates: Binding[] = [];
      const has = (column: string, test: (cell: string) => boolean) => [...(this.distinct.get(column) ?? [])].some(test);
      for (const column of columns) {
        if (smiles !== undefined && smiles !== '' && has(column, (cell) => !NUMERIC.test(cell) && canonicalOrNull(cell) === smiles)) {
          candidates.push({ column, mode: 'smiles' });
        }
      }
      if (candidates.length === 0) {
        for (const column of columns) {
          if (typeof value === 'number' && has(column, (cell) => NUMERIC.test(cell) && sameNumber(Number(cell), value))) candidates.push({ column, mode: 'number' });
          else if (typeof value === 'string' && has(column, (cell) => cell.toLowerCase() === value.trim().toLowerCase())) candidates.push({ column, mode: 'text' });
        }
      }
      candidates.sort((a, b) => (this.distinct.get(a.column)?.size ?? 0) - (this.distinct.get(b.column)?.size ?? 0));
      const best = candidates[0];
      if (!best) return `no column of ${this.options.source} holds "${name}" = ${JSON.stringify(value)}${smiles ? ` (${smiles})` : ''}; name it with --columns`;
      bindings.set(name, best);
    }
    return bindings;
  }

  private index(bindings: Map<string, Binding>): void {
    const sums = new Map<string, { sums: Record<string, number>; n: number }>();
    for (const row of this.options.rows) {
      const parts: string[] = [];
      for (const [name, { column, mode }] of [...bindings].sort(([a], [b]) => a.localeCompare(b))) {
        const part = normalise(row[column] ?? '', mode);
        if (part === undefined) break;
        parts.push(`${name}=${part}`);
      }
      if (parts.length !== bindings.size) continue;
      const values: Record<string, number> = {};
      for (const [quantity, column] of Object.entries(this.options.results)) {
        const cell = (row[column] ?? '').trim();
        if (NUMERIC.test(cell)) values[quantity] = Number(cell);
      }
      if (Object.keys(values).length !== Object.keys(this.options.results).length) continue;
      const key = parts.join(SEP);
      const slot = sums.get(key) ?? { sums: {}, n: 0 };
      for (const [q, v] of Object.entries(values)) slot.sums[q] = (slot.sums[q] ?? 0) + v;
      slot.n++;
      sums.set(key, slot);
    }
    for (const [key, { sums: s, n }] of sums) this.table.set(key, Object.fromEntries(Object.entries(s).map(([q, v]) => [q, v / n])));
  }

  private orderKey(order: ExperimentOrder, bindings: Map<string, Binding>): string | undefined {
    const parts: string[] = [];
    for (const [name, { mode }] of [...bindings].sort(([a], [b]) => a.localeCompare(b))) {
      const value = mode === 'smiles' ? order.substances[name] : order.parameters[name];
      if (value === undefined) return undefined;
      const part = mode === 'smiles' ? value : normalise(String(value), mode);
      if (part === undefined) return undefined;
      parts.push(`${name}=${part}`);
    }
    return parts.join(SEP);
  }
}

function normalise(cell: string, mode: Mode): string | undefined {
  const text = cell.trim();
  if (mode === 'number') return NUMERIC.test(text) ? String(Number(Number(text).toPrecision(12))) : undefined;
  if (mode === 'text') return text.toLowerCase();
  return canonicalOrNull(text) ?? undefined;
}

function sameNumber(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function describe(order: ExperimentOrder): string {
  return Object.entries(order.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
