/**
 * A dataset-backed lab: answers each experiment by looking its candidate up in a table of published
 * results, with optional seeded noise, latency and failures. The shared engine (SimulatedLab) keeps
 * its journal, so like a real robot it runs an experiment id once however often it is dispatched,
 * and redelivers results that were never acknowledged.
 */
import type { Logger } from './log.js';
import { SimulatedLab, type Measurement, type SimulatedJob } from './simulated-lab.js';
import { Objective } from '../objectives/objective.js';
import { runSteps, runStepsInTurns } from '../util/turns.js';

export interface DatasetSimulatorOptions {
  name?: string;
  rows: Record<string, string>[];
  /** Where the rows came from, for messages. */
  source: string;
  /** The candidate key a row describes, or null when it describes none of the space. */
  keyOfRow: (row: Record<string, string>) => string | null;
  /** Measured quantity → column. */
  results: Record<string, string>;
  /** Column with the observed product (a SMILES), reported as `raw.product` when the row has one. */
  productColumn?: string;
  /**
   * A row with some result cells empty still counts when it has one of these quantities (an
   * objective with several targets): its result reports what it has. Unset: every result column
   * must be filled.
   */
  anyOf?: readonly string[];
  /** Noisy values are clipped into these bounds (a yield is never below 0 %). */
  bounds?: Record<string, [number, number]>;
  noiseSd?: number;
  /** Mean of an exponential latency per experiment, in ms. */
  latencyMs?: number;
  failureRate?: number;
  seed: number;
  capacity: number;
  /** Experiments running at once (default: capacity); the rest queue. */
  parallel?: number;
  /** Where the simulated robot keeps its memory; without one it forgets on restart. */
  journalPath?: string;
  /** Wall clock, injectable for tests of latency. */
  now?: () => number;
  log?: Logger;
}

/** The dataset's rows by candidate key: each quantity's mean over replicate rows, and the product seen. */
interface DatasetIndex {
  table: Map<string, Record<string, number>>;
  products: Map<string, string>;
}

/** Rows indexed between two possible pauses (a few ms when keys canonicalise SMILES). */
const ROWS_PER_STEP = 200;

export interface DatasetReference {
  quantity: string;
  /** Distinct candidates with a value. */
  count: number;
  max: number;
  min: number;
  /** The value of the ceil(1 %)-th best row: reaching it means a top-1 % result. */
  top1Threshold: number;
  /** Candidates at or beyond the threshold (ties included). */
  top1Count: number;
}

export class DatasetSimulator extends SimulatedLab {
  private readonly table: Map<string, Record<string, number>>;
  private readonly products: Map<string, string>;

  /** Indexes the rows at once; a service's event loop should use `open`, which takes turns. */
  constructor(private readonly options: DatasetSimulatorOptions, index: DatasetIndex = runSteps(indexSteps(options))) {
    super({ ...options, name: options.name ?? 'dataset-simulator' });
    this.table = index.table;
    this.products = index.products;
  }

  /** The same simulator, its rows indexed with a turn of the event loop every few ms (thousands of rows, keys from SMILES). */
  static async open(options: DatasetSimulatorOptions): Promise<DatasetSimulator> {
    return new DatasetSimulator(options, await runStepsInTurns(indexSteps(options)));
  }

  /** Facts about the dataset a campaign is measured against (best value, top-1 % threshold). */
  reference(quantity: string, orientation: 'maximize' | 'minimize' | Pick<Objective, 'orient'> = 'maximize'): DatasetReference {
    return referenceOf([...this.table.values()], quantity, orientation, this.options.source);
  }

  /** The dataset's values for a candidate key (the mean of replicate rows), when it has a row. */
  lookup(key: string): Readonly<Record<string, number>> | undefined {
    return this.table.get(key);
  }

  protected describe(): string {
    return `${this.table.size} dataset candidates from ${this.options.source}`;
  }

  protected measure(job: SimulatedJob): Measurement {
    const truth = this.table.get(job.key);
    const raw = { key: job.key, source: this.options.source };
    if (!truth) return { failure: `the dataset ${this.options.source} has no row for ${job.key}`, raw };
    const product = this.products.get(job.key);
    return { values: truth, raw: product ? { ...raw, product } : raw };
  }
}

function* indexSteps(options: DatasetSimulatorOptions): Generator<void, DatasetIndex> {
  const table = new Map<string, Record<string, number>>();
  const products = new Map<string, string>();
  const sums = new Map<string, { sums: Record<string, number>; counts: Record<string, number> }>();
  const anyOf = options.anyOf;
  let sinceStep = 0;
  for (const row of options.rows) {
    if (++sinceStep === ROWS_PER_STEP) {
      sinceStep = 0;
      yield;
    }
    const key = options.keyOfRow(row);
    if (key === null) continue;
    const values: Record<string, number> = {};
    let complete = true;
    for (const [quantity, column] of Object.entries(options.results)) {
      const value = Number.parseFloat(row[column] ?? '');
      if (Number.isFinite(value)) values[quantity] = value;
      else complete = false;
    }
    if (anyOf ? !anyOf.some((q) => values[q] !== undefined) : !complete) continue;
    const product = options.productColumn ? row[options.productColumn]?.trim() : undefined;
    if (product && !products.has(key)) products.set(key, product);
    const slot = sums.get(key) ?? { sums: {}, counts: {} };
    for (const [q, v] of Object.entries(values)) {
      slot.sums[q] = (slot.sums[q] ?? 0) + v;
      slot.counts[q] = (slot.counts[q] ?? 0) + 1;
    }
    sums.set(key, slot);
  }
  // replicate rows of one candidate: the lab reports each quantity's mean over the rows that have it
  for (const [key, { sums: s, counts }] of sums) {
    table.set(key, Object.fromEntries(Object.entries(s).map(([q, v]) => [q, v / (counts[q] as number)])));
  }
  return { table, products };
}

/**
 * Best value, top-1 % threshold and counts of a set of measured candidates. "Best" is the
 * objective's (Objective.orient: a match objective's best is the value closest to its target); a
 * bare direction stands for a plain maximised or minimised target.
 */
export function referenceOf(
  table: Record<string, number>[],
  quantity: string,
  orientation: 'maximize' | 'minimize' | Pick<Objective, 'orient'>,
  source: string,
): DatasetReference {
  const values = table.map((v) => v[quantity]).filter((v): v is number => v !== undefined);
  if (values.length === 0) throw new Error(`the dataset ${source} has no values for ${quantity}`);
  const objective = typeof orientation === 'string' ? new Objective({ target: quantity, direction: orientation }) : orientation;
  values.sort((a, b) => objective.orient(b) - objective.orient(a)); // best first
  const k = Math.max(1, Math.ceil(values.length * 0.01));
  const threshold = values[k - 1] as number;
  return {
    quantity,
    count: values.length,
    max: values.reduce((a, b) => Math.max(a, b)),
    min: values.reduce((a, b) => Math.min(a, b)),
    top1Threshold: threshold,
    top1Count: values.filter((v) => objective.orient(v) >= objective.orient(threshold)).length,
  };
}
