/** The trade-off table `athanor run` ends with for a Pareto objective: each non-dominated result with its conditions. */
import type { Measurement } from '../measurements/measurements.js';
import type { Objective } from '../objectives/objective.js';
import { formatParameters } from './format.js';

export interface FrontEntry {
  experiment: number;
  values: Record<string, number>;
  parameters: Record<string, string | number>;
}

/** The front as data (the --json output), ordered by the first target, best first. */
export function frontEntries(front: readonly Measurement[], objective: Objective): FrontEntry[] {
  const first = objective.targets[0];
  const sign = first?.direction === 'minimize' ? 1 : -1;
  return [...front]
    .sort((a, b) => sign * ((a.values[first?.name ?? ''] ?? 0) - (b.values[first?.name ?? ''] ?? 0)))
    .map((m) => ({ experiment: m.seq, values: Object.fromEntries(objective.targets.map((t) => [t.name, m.values[t.name] as number])), parameters: m.parameters }));
}

export function formatParetoFront(entries: readonly FrontEntry[], objective: Objective): string[] {
  const limits = objective.constraints.length ? ` within ${objective.constraints.map((c) => `${c.target} ${c.operator} ${c.bound}`).join(', ')}` : '';
  if (entries.length === 0) return [`  Pareto front  no result has every target yet${limits}`];
  const names = objective.targets.map((t) => `${t.name} (${t.direction === 'maximize' ? 'max' : 'min'})`);
  const header = ['experiment', ...names, 'conditions'];
  const rows = entries.map((e) => [String(e.experiment), ...objective.targets.map((t) => fmt(e.values[t.name])), formatParameters(e.parameters)]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, j) => (j === cells.length - 1 ? c : c.padEnd(widths[j] ?? 0))).join('  ')}`;
  return [`  Pareto front  ${entries.length} non-dominated result${entries.length === 1 ? '' : 's'}${limits} (${objective.describe()})`, line(header), ...rows.map(line)];
}

function fmt(x: number | undefined): string {
  return x === undefined ? '—' : Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
