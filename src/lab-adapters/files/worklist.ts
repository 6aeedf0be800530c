/**
 * The files a file-drop lab receives: a worklist per batch (one row per experiment, parameters
 * and SMILES spelled out) and, for well-plate runs, a plate map (the plate's grid with the
 * experiment number in each used well). Format reference: docs/lab-protocols.md.
 */
import type { ExperimentOrder } from '../contract.js';
import { csvText } from './csv-text.js';

export const PLATE_LAYOUTS: Record<number, { rows: number; columns: number }> = {
  24: { rows: 4, columns: 6 },
  48: { rows: 6, columns: 8 },
  96: { rows: 8, columns: 12 },
  384: { rows: 16, columns: 24 },
};

/** A1, A2, … row by row. */
export function wellName(index: number, wells: number): string {
  const layout = PLATE_LAYOUTS[wells];
  if (!layout) throw new Error(`no plate layout with ${wells} wells`);
  const row = Math.floor(index / layout.columns);
  if (row >= layout.rows) throw new Error(`well #${index + 1} does not fit a ${wells}-well plate`);
  return `${String.fromCharCode(65 + row)}${(index % layout.columns) + 1}`;
}

export function worklistCsv(orders: readonly ExperimentOrder[], wells?: number): string {
  const first = orders[0];
  const parameters = first ? Object.keys(first.parameters) : [];
  const roles = first ? Object.keys(first.substances) : [];
  const header = ['experiment_id', 'campaign_id', 'seq', ...(wells ? ['well'] : []), ...parameters, ...roles.map((r) => `${r}_smiles`), 'candidate_key'];
  const rows = orders.map((o, i) => [
    o.id,
    o.campaignId,
    o.seq,
    ...(wells ? [wellName(i, wells)] : []),
    ...parameters.map((p) => o.parameters[p]),
    ...roles.map((r) => o.substances[r]),
    o.candidateKey,
  ]);
  return csvText(header, rows);
}

/** The plate as a grid: a header of column numbers, a row letter then the experiment seq per well. */
export function plateMapCsv(orders: readonly ExperimentOrder[], wells: number): string {
  const layout = PLATE_LAYOUTS[wells];
  if (!layout) throw new Error(`no plate layout with ${wells} wells`);
  const grid = Array.from({ length: layout.rows }, (_, r) => [String.fromCharCode(65 + r), ...Array<string>(layout.columns).fill('')]);
  orders.forEach((o, i) => {
    const row = grid[Math.floor(i / layout.columns)];
    if (row) row[(i % layout.columns) + 1] = String(o.seq);
  });
  return csvText(['', ...Array.from({ length: layout.columns }, (_, c) => String(c + 1))], grid);
}
