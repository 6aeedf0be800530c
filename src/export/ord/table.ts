/**
 * An Open Reaction Database Dataset read as a table, one row per reaction, so that prior data
 * (docs/transfer.md) maps it onto a campaign's space with the same rules as a CSV: a `prior:` entry
 * names, for each parameter, the column holding it. The columns:
 *
 * - `<input key>`: the SMILES of the input's components, '.'-joined (ORD input keys are free text,
 *   e.g. "amine", "catalyst", "m1_m2"); `<input key> name`: their names
 * - `REACTANT`, `REAGENT`, `CATALYST`, `SOLVENT`, …: every component with that reaction role
 * - `temperature`: the setpoint in °C (converted from K or °F)
 * - `reaction time`: the first outcome's reaction time in minutes
 * - `yield`: the desired product's YIELD measurement (%), `conversion` (%), and one column per
 *   other measurement: its type (`SELECTIVITY`, `PURITY`, …) or, for CUSTOM ones, its details
 * - every `provenance.reaction_metadata` entry (Athanor's own export puts its unmapped conditions
 *   there: `concentration`, …), and `reaction_id`
 *
 * Reactions without a value for a column leave the cell empty; the prior-data rules then report
 * them by their row number.
 */
import { readFile } from 'node:fs/promises';
import type { CsvRow } from '../../util/csv.js';
import { decodeOrd } from './codec.js';

type Obj = Record<string, any>;

/** Whether a file is read as an ORD Dataset: .pb, .pb.gz or .ord.json. */
export function isOrdFile(path: string): boolean {
  return /\.(pb|pb\.gz|ord\.json)$/i.test(path);
}

export class OrdFileError extends Error {}

function decode(bytes: Uint8Array, path: string): Obj {
  try {
    return decodeOrd(bytes, /\.json$/i.test(path) ? 'json' : /\.gz$/i.test(path) ? 'pb.gz' : 'pb');
  } catch (error) {
    throw new OrdFileError(`${path} is not an Open Reaction Database Dataset (${(error as Error).message})`);
  }
}

function smilesOf(component: Obj): string | undefined {
  return (component.identifiers as Obj[] | undefined)?.find((i) => i.type === 'SMILES' || i.type === 'CXSMILES')?.value as string | undefined;
}

function celsius(t: Obj | undefined): number | undefined {
  if (!t || typeof t.value !== 'number') return undefined;
  if (t.units === 'KELVIN') return t.value - 273.15;
  if (t.units === 'FAHRENHEIT') return ((t.value - 32) * 5) / 9;
  return t.units === 'CELSIUS' ? t.value : undefined;
}

const MINUTES: Record<string, number> = { SECOND: 1 / 60, MINUTE: 1, HOUR: 60, DAY: 1440 };

/** float32 values written as the shortest decimal that reads back the same (0.15299999713897705 → 0.153). */
function shortest(value: number): number {
  const single = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return value;
}

function measurementValue(m: Obj): number | undefined {
  const v = m.percentage?.value ?? m.floatValue?.value;
  return typeof v === 'number' ? shortest(v) : undefined;
}

export function ordRows(dataset: Obj): { header: string[]; rows: CsvRow[] } {
  const header = new Set<string>();
  const rows: CsvRow[] = [];
  for (const reaction of (dataset.reactions as Obj[] | undefined) ?? []) {
    const row: CsvRow = {};
    const put = (column: string, value: string | number | undefined) => {
      if (value === undefined || value === '') return;
      header.add(column);
      row[column] = String(value);
    };
    put('reaction_id', reaction.reactionId);
    const byRole = new Map<string, string[]>();
    for (const [key, input] of Object.entries((reaction.inputs as Obj | undefined) ?? {})) {
      const components = ((input as Obj).components as Obj[] | undefined) ?? [];
      put(key, components.map(smilesOf).filter(Boolean).join('.'));
      put(`${key} name`, components.map((c) => (c.identifiers as Obj[] | undefined)?.find((i) => i.type === 'NAME')?.value).filter(Boolean).join(', '));
      for (const c of components) {
        const smiles = smilesOf(c);
        if (smiles && c.reactionRole) byRole.set(c.reactionRole, [...(byRole.get(c.reactionRole) ?? []), smiles]);
      }
    }
    for (const [role, smiles] of byRole) put(role, smiles.join('.'));
    const t = celsius(reaction.conditions?.temperature?.setpoint);
    if (t !== undefined) put('temperature', shortest(t));
    const outcome = (reaction.outcomes as Obj[] | undefined)?.[0];
    const time = outcome?.reactionTime;
    if (time && typeof time.value === 'number' && MINUTES[time.units]) put('reaction time', shortest(time.value * MINUTES[time.units]!));
    if (typeof outcome?.conversion?.value === 'number') put('conversion', shortest(outcome.conversion.value));
    const products = (outcome?.products as Obj[] | undefined) ?? [];
    const desired = products.find((p) => p.isDesiredProduct) ?? products[0];
    for (const m of (desired?.measurements as Obj[] | undefined) ?? []) {
      const column = m.type === 'YIELD' ? 'yield' : m.type === 'CUSTOM' ? String(m.details ?? 'CUSTOM') : String(m.type);
      if (row[column] === undefined) put(column, measurementValue(m));
    }
    for (const [key, data] of Object.entries((reaction.provenance?.reactionMetadata as Obj | undefined) ?? {})) {
      const d = data as Obj;
      put(key, typeof d.floatValue === 'number' ? shortest(d.floatValue) : (d.integerValue ?? d.stringValue));
    }
    rows.push(row);
  }
  return { header: [...header], rows };
}

/** Reads an ORD Dataset file (.pb, .pb.gz or .ord.json) as a table of its reactions. */
export async function readOrdTable(path: string): Promise<{ header: string[]; rows: CsvRow[] }> {
  return ordRows(decode(await readFile(path), path));
}
