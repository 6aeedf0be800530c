/**
 * A Pareto campaign's front for the panel and GET /api/campaigns/{id}/pareto: every usable result
 * placed as on the front, dominated or breaking a constraint, the trade-off table's rows (the
 * non-dominated recipes with their conditions), the hypervolume after each result and, for a
 * benchmark lab, random search's expected hypervolume against the same reference point.
 * The maths is src/objectives/multi/campaign-front.ts; this gathers the rows and words.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { specParameters, type CampaignSpec } from '../campaign/index.js';
import { listObservedValues, type CampaignRow, type Db } from '../db/index.js';
import { campaignFront, expectedRandomHypervolume, type FrontStatus, type FrontTarget } from '../objectives/multi/campaign-front.js';
import { Objective } from '../objectives/objective.js';
import { conditionsText } from './campaign-records.js';
import { randomParetoRuns, type RandomRuns } from './pareto-random.js';

export interface ParetoTargetView {
  name: string;
  direction: 'maximize' | 'minimize';
  unit: string | null;
}

export interface ParetoPointView {
  experiment: number;
  status: FrontStatus;
  /** Every quantity the result measured (the targets, and any constrained quantity). */
  values: Record<string, number>;
  parameters: Record<string, string | number>;
  /** The conditions in words: choice names, numbers with their units. */
  conditions: string;
}

export interface ParetoView {
  targets: ParetoTargetView[];
  constraints: { target: string; operator: '<=' | '>='; bound: number }[];
  /** Non-dominated feasible results, ordered by the first target, best first (ties by experiment). */
  front: ParetoPointView[];
  dominated: ParetoPointView[];
  /** Results with every target that break (or did not measure) an outcome constraint. */
  infeasible: ParetoPointView[];
  /** Experiment numbers of results missing at least one target. */
  incomplete: number[];
  /** Target → the reference point's value; null before a feasible result has every target. */
  reference: Record<string, number> | null;
  /** Hypervolume after each usable result, in experiment order (null before the first feasible complete one). */
  hypervolume: { experiment: number; results: number; value: number | null }[];
  /** Random search's expected hypervolume after n = 1 … results, against the same reference. */
  random: { hypervolume: number[]; runs: number; source: string } | null;
  /** Why there is no random-search reference (null when there is one). */
  randomMissing: string | null;
}

/**
 * Random search's curve against one reference point, kept: the page is rendered again at every
 * event of a running campaign, and the reference only moves when a result changes the front.
 */
const randomCurves = new WeakMap<RandomRuns, Map<string, number[]>>();

/** Runs whose hypervolume is traced between turns of the event loop (a slice of 16 runs of 60 takes ~15 ms). */
const RUNS_PER_TURN = 16;

async function randomCurve(drawn: RandomRuns, targets: FrontTarget[], constraints: ParetoView['constraints'], reference: number[]): Promise<number[]> {
  let byReference = randomCurves.get(drawn);
  if (!byReference) randomCurves.set(drawn, (byReference = new Map()));
  const key = JSON.stringify([reference, constraints]);
  let curve = byReference.get(key);
  if (!curve) {
    const length = Math.max(...drawn.runs.map((r) => r.length));
    const sums = new Array<number>(length).fill(0);
    for (let from = 0; from < drawn.runs.length; from += RUNS_PER_TURN) {
      const slice = drawn.runs.slice(from, from + RUNS_PER_TURN);
      expectedRandomHypervolume(slice, targets, constraints, reference, length).forEach((mean, n) => (sums[n]! += mean * slice.length));
      await nextTurn();
    }
    curve = sums.map((sum) => sum / drawn.runs.length);
    if (byReference.size >= 16) byReference.delete(byReference.keys().next().value as string);
    byReference.set(key, curve);
  }
  return curve;
}

/** Whether a campaign file states a Pareto objective (its page and the pareto route apply). */
export function isParetoSpec(spec: CampaignSpec): boolean {
  return Objective.of(spec).kind === 'pareto';
}

export async function paretoView(db: Db, row: CampaignRow): Promise<ParetoView> {
  const spec = row.spec;
  const objective = Objective.of(spec);
  const targets: FrontTarget[] = objective.targets.map((t) => ({ name: t.name, direction: t.direction === 'maximize' ? 'maximise' : 'minimise' }));
  const constraints = objective.constraints.map((c) => ({ target: c.target, operator: c.operator, bound: c.bound }));
  const results = await listObservedValues(db, row.id);
  const computed = campaignFront(results, targets, constraints);
  const parameters = specParameters(spec);
  const bySeq = new Map(results.map((r) => [r.seq, r]));
  const pointView = (seq: number, status: FrontStatus): ParetoPointView => {
    const r = bySeq.get(seq)!;
    return { experiment: seq, status, values: r.values, parameters: r.parameters, conditions: conditionsText(parameters, r.parameters) };
  };
  const of = (status: FrontStatus) => computed.points.filter((p) => p.status === status);
  const first = objective.targets[0]!;
  const sign = first.direction === 'maximize' ? -1 : 1;
  const front = of('front')
    .sort((a, b) => sign * (a.point[0]! - b.point[0]!) || a.seq - b.seq)
    .map((p) => pointView(p.seq, 'front'));

  let random: ParetoView['random'] = null;
  let randomMissing: string | null = null;
  const drawn = await randomParetoRuns(spec, row.budget);
  if ('missing' in drawn) randomMissing = drawn.missing;
  else if (!computed.reference) randomMissing = 'random search is measured against the campaign’s reference point, which needs a result with every target first';
  else {
    random = { hypervolume: await randomCurve(drawn, targets, constraints, computed.reference), runs: drawn.runs.length, source: drawn.source };
  }
  return {
    targets: objective.targets.map((t) => ({ name: t.name, direction: t.direction, unit: t.unit ?? null })),
    constraints,
    front,
    dominated: of('dominated').map((p) => pointView(p.seq, 'dominated')),
    infeasible: of('infeasible').map((p) => pointView(p.seq, 'infeasible')),
    incomplete: computed.incomplete,
    reference: computed.reference ? Object.fromEntries(targets.map((t, j) => [t.name, computed.reference![j]!])) : null,
    hypervolume: computed.curve.map((s) => ({ experiment: s.seq, results: s.results, value: s.hypervolume })),
    random,
    randomMissing,
  };
}
