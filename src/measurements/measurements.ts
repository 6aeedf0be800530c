/**
 * Every result of a campaign as one table: each row an experiment with the values it measured —
 * any number of targets, some of them missing — and, when an operator excluded it, why. Planning,
 * training, insights and summaries read results through this, so the mapping from a stored
 * result to a planner observation or a training row is written once (docs/design.md,
 * "Measurements").
 *
 * Pure: rows come from the database's repositories (listObservations and friends); the space is
 * asked only for candidate indices.
 */
import { isFeasible } from '../objectives/multi/feasibility.js';
import type { Best, Objective } from '../objectives/objective.js';
import type { Observation } from '../planner/recommender.js';

export interface Measurement {
  /** The experiment's number in its campaign (planning order). */
  seq: number;
  /** The candidate's key in the space (absent when the reader did not load it). */
  candidateKey?: string;
  parameters: Record<string, string | number>;
  /** Measured quantity → value; a target the lab did not report is simply absent. */
  values: Record<string, number>;
  /** The lab's raw payload (e.g. the observed product), when loaded. */
  raw?: unknown;
  /** Set when an operator excluded the result from training and planning. */
  excludedReason?: string | null;
}

/** The part of a search space measurements need: where a stored candidate key sits now. */
export interface CandidateIndex {
  indexOfKey(key: string): number | undefined;
}

/** One measured value of one target, placed in the space. */
export interface PlacedValue {
  measurement: Measurement;
  candidate: number;
  value: number;
  /** The product the lab observed (SMILES), when its raw payload named one. */
  product?: string;
}

/** What a surrogate is trained on for one target, in planning order. */
export interface TrainingRows {
  candidates: number[];
  values: number[];
  /** The experiments behind the rows (the training set's fingerprint is built from them). */
  seqs: number[];
}

export class Measurements {
  private constructor(private readonly rows: readonly Measurement[]) {}

  /** Rows as the repositories return them, in planning order. */
  static from(rows: readonly Measurement[]): Measurements {
    return new Measurements(rows);
  }

  /** Every row, excluded ones included (flagged by excludedReason). */
  get all(): readonly Measurement[] {
    return this.rows;
  }

  /** Rows that count: not excluded by an operator. */
  get usable(): Measurement[] {
    return this.rows.filter((m) => !m.excludedReason);
  }

  /** Usable rows that measured `target`, with its value. */
  valuesOf(target: string): { measurement: Measurement; value: number }[] {
    const out: { measurement: Measurement; value: number }[] = [];
    for (const measurement of this.usable) {
      const value = measurement.values[target];
      if (value !== undefined) out.push({ measurement, value });
    }
    return out;
  }

  /** Usable rows with the objective's value (Objective.valueOf: a desirability is computed from its targets). */
  valuesBy(objective: Objective): { measurement: Measurement; value: number }[] {
    if (objective.kind !== 'desirability') return this.valuesOf(objective.target);
    const out: { measurement: Measurement; value: number }[] = [];
    for (const measurement of this.usable) {
      const value = objective.valueOf(measurement.values);
      if (value !== undefined) out.push({ measurement, value });
    }
    return out;
  }

  /**
   * Usable rows that measured `target` and whose candidate is in `space` (a space edited since
   * may have lost some): the one mapping from stored results to candidates.
   */
  placed(space: CandidateIndex, target: string): PlacedValue[] {
    const out: PlacedValue[] = [];
    for (const { measurement, value } of this.valuesOf(target)) {
      const candidate = measurement.candidateKey === undefined ? undefined : space.indexOfKey(measurement.candidateKey);
      if (candidate === undefined) continue;
      const product = productOf(measurement.raw);
      out.push({ measurement, candidate, value, ...(product ? { product } : {}) });
    }
    return out;
  }

  /**
   * Usable rows placed in `space` with the objective's value (Objective.valueOf: the target's
   * value, or a desirability computed from the targets it combines).
   */
  placedBy(space: CandidateIndex, objective: Objective): PlacedValue[] {
    if (objective.kind !== 'desirability') return this.placed(space, objective.target);
    const out: PlacedValue[] = [];
    for (const measurement of this.usable) {
      const value = objective.valueOf(measurement.values);
      const candidate = measurement.candidateKey === undefined ? undefined : space.indexOfKey(measurement.candidateKey);
      if (value === undefined || candidate === undefined) continue;
      const product = productOf(measurement.raw);
      out.push({ measurement, candidate, value, ...(product ? { product } : {}) });
    }
    return out;
  }

  /** The planner's observations: values oriented by the objective (larger is better). */
  observations(space: CandidateIndex, objective: Objective): Observation[] {
    return this.placedBy(space, objective).map((p) => ({
      candidate: p.candidate,
      value: objective.orient(p.value),
      ...(p.product ? { product: p.product } : {}),
    }));
  }

  /** A surrogate's training rows for one target, in target units (the model is not oriented). */
  trainingRows(space: CandidateIndex, target: string): TrainingRows {
    const rows: TrainingRows = { candidates: [], values: [], seqs: [] };
    for (const p of this.placed(space, target)) {
      rows.candidates.push(p.candidate);
      rows.values.push(p.value);
      rows.seqs.push(p.measurement.seq);
    }
    return rows;
  }

  /**
   * Training rows for several targets at once (one row per usable result in the space that
   * measured any of them; NaN where a target was not measured, which the surrogate skips per
   * target). `desirability` (the objective's combined value) is computed from the targets it combines.
   */
  trainingTable(space: CandidateIndex, targets: readonly string[], objective?: Objective): { candidates: number[]; values: Record<string, number[]>; seqs: number[] } {
    const out = { candidates: [] as number[], values: Object.fromEntries(targets.map((t) => [t, [] as number[]])), seqs: [] as number[] };
    for (const measurement of this.usable) {
      const candidate = measurement.candidateKey === undefined ? undefined : space.indexOfKey(measurement.candidateKey);
      if (candidate === undefined) continue;
      const row = targets.map((t) => (objective && objective.kind === 'desirability' && t === objective.target ? objective.valueOf(measurement.values) : measurement.values[t]));
      if (row.every((v) => v === undefined)) continue;
      out.candidates.push(candidate);
      out.seqs.push(measurement.seq);
      targets.forEach((t, j) => out.values[t]?.push(row[j] ?? Number.NaN));
    }
    return out;
  }

  /** The best usable result for the objective (a tie keeps the earlier experiment). */
  best(objective: Objective): Best<Measurement> | undefined {
    return objective.best(this.usable, (m) => objective.valueOf(m.values));
  }
}

/** The observed product a lab reported in its raw payload (`raw.product`), if any. */
export function productOf(raw: unknown): string | undefined {
  const product = (raw as { product?: unknown } | null | undefined)?.product;
  return typeof product === 'string' && product !== '' ? product : undefined;
}

/**
 * The non-dominated usable results of a Pareto objective that keep to its outcome constraints (a
 * result breaking one, or not measuring its quantity, is no recipe to offer: the panel and the
 * planner's incumbent front leave it out too); the best one for the other objectives.
 */
export function paretoFrontOf(measurements: Measurements, objective: Objective): Measurement[] {
  if (objective.kind !== 'pareto') {
    const best = measurements.best(objective);
    return best ? [best.item] : [];
  }
  return objective.front(
    measurements.usable.filter((m) => isFeasible(objective.constraints, m.values)),
    (m) => m.values,
  );
}
