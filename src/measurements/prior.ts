/**
 * A campaign's prior data as training rows and planner observations (docs/transfer.md). Rows of
 * the campaign's own task (`task: same`) are results like its own: they join the training set and
 * the planner's observations. Rows of a related task feed only the multi-task surrogate, each
 * tagged with its source (the task it belongs to); the planner never sees them as results.
 *
 * Prior rows are numbered apart from experiments: in a training set's fingerprint they are −seq,
 * so excluding one changes the fingerprint and the model is retrained.
 */
import type { Objective } from '../objectives/objective.js';
import type { Observation } from '../planner/recommender.js';
import { Measurements, type CandidateIndex, type Measurement } from './measurements.js';

export interface PriorRow {
  seq: number;
  sourceName: string;
  task: 'same' | 'related';
  candidateKey: string;
  parameters: Record<string, string | number>;
  values: Record<string, number>;
}

/** The task name training data gives the campaign's own rows (models/multitask-gp.ts OWN_TASK). */
const OWN_TASK = '';

/** What the prior rows are placed with: a space that finds a candidate by key, and by values. */
export interface PriorSpace extends CandidateIndex {
  keyOfRow(row: Record<string, string>, columns: Record<string, string>): string | null;
}

/**
 * The row's candidate key in `space`, found again from its parameter values: the key stored at
 * import follows the parameter order of the space as it was built then, which need not be the
 * order of the space the campaign runs with now.
 */
function keyIn(space: PriorSpace, row: PriorRow): string {
  const cells = Object.fromEntries(Object.entries(row.parameters).map(([k, v]) => [k, String(v)]));
  try {
    return space.keyOfRow(cells, Object.fromEntries(Object.keys(cells).map((k) => [k, k]))) ?? row.candidateKey;
  } catch {
    return row.candidateKey; // a parameter the row does not name (the space was edited): the stored key
  }
}

let placing: PriorSpace | undefined;
function asMeasurement(row: PriorRow): Measurement {
  return { seq: -row.seq, candidateKey: placing ? keyIn(placing, row) : row.candidateKey, parameters: row.parameters, values: row.values };
}

export interface TrainingTableWithTasks {
  candidates: number[];
  values: Record<string, number[]>;
  seqs: number[];
  /** One per row: '' for the campaign's task, the source's name for a related one; absent without related rows. */
  tasks?: string[];
}

/** The surrogate's training table: the campaign's own results, same-task prior rows, then related ones by source. */
export function trainingTableWithPrior(own: Measurements, prior: readonly PriorRow[], space: PriorSpace, targets: readonly string[], objective?: Objective): TrainingTableWithTasks {
  placing = space;
  try {
    return tableWithPrior(own, prior, space, targets, objective);
  } finally {
    placing = undefined;
  }
}

function tableWithPrior(own: Measurements, prior: readonly PriorRow[], space: PriorSpace, targets: readonly string[], objective?: Objective): TrainingTableWithTasks {
  const same = prior.filter((r) => r.task === 'same').map(asMeasurement);
  const table: TrainingTableWithTasks = Measurements.from([...same, ...own.all]).trainingTable(space, targets, objective);
  const related = prior.filter((r) => r.task === 'related');
  if (related.length === 0) return table;
  const tasks = table.candidates.map(() => OWN_TASK);
  const names = [...new Set(related.map((r) => r.sourceName))];
  for (const name of names) {
    const rows = related.filter((r) => r.sourceName === name);
    const part = Measurements.from(rows.map(asMeasurement)).trainingTable(space, targets, objective);
    table.candidates.push(...part.candidates);
    table.seqs.push(...part.seqs);
    for (const t of targets) table.values[t]!.push(...part.values[t]!);
    tasks.push(...part.candidates.map(() => name));
  }
  table.tasks = tasks;
  return table;
}

/** The planner's observations: the campaign's own and its same-task prior rows (oriented). */
export function observationsWithPrior(own: Measurements, prior: readonly PriorRow[], space: PriorSpace, objective: Objective): Observation[] {
  const same = prior.filter((r) => r.task === 'same').map((r) => ({ ...asMeasurement(r), candidateKey: keyIn(space, r) }));
  return Measurements.from([...same, ...own.all]).observations(space, objective);
}

/** Candidates the same-task prior rows already measured: not proposed again unless replicates are allowed. */
export function priorCandidates(prior: readonly PriorRow[], space: PriorSpace): number[] {
  const out: number[] = [];
  for (const r of prior) {
    if (r.task !== 'same') continue;
    const index = space.indexOfKey(keyIn(space, r));
    if (index !== undefined) out.push(index);
  }
  return out;
}
