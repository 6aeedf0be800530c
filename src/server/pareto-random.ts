/**
 * The random-search reference under a Pareto campaign's hypervolume curve: Monte Carlo runs of
 * random search over the campaign's own space, each result the true value of the candidate drawn.
 * Only benchmark labs know those values:
 *   analytic   a multi-objective test problem evaluated at the candidate (src/objectives/multi/problems)
 *   simulator  the dataset's rows for the candidate, replicates averaged (what the simulator answers from)
 * Any other lab (a robot, files, a person) has no true values to draw from, so there is no
 * principled random-search reference for it: the panel and the API say so instead of inventing one.
 *
 * Each result is then reported as the lab would report it (its noise, its missing targets), so
 * random search carries the campaign's handicaps. Runs are drawn once per campaign file and
 * budget (seeded by the campaign's seed, so the reference does not jitter between page loads) and
 * kept; their hypervolume is computed against the campaign's current reference point by
 * campaign-front.ts.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { confinedSpecPath, type CampaignSpec } from '../campaign/index.js';
import { evaluateNamed } from '../objectives/multi/problems/grid-problem.js';
import { isMultiObjectiveFunction } from '../campaign/analytic-problems.js';
import { multiObjectiveProblem } from '../objectives/multi/problems/index.js';
import { buildSpace } from '../planner/space-builder.js';
import type { SearchSpace } from '../planner/space.js';
import { readCsv } from '../util/csv.js';
import { normal, rngFor, shuffled, type Rng } from '../util/random.js';

export interface RandomRuns {
  /** Each run: the true values of the candidates drawn, in draw order. */
  runs: Record<string, number>[][];
  /** Where the true values come from, in words. */
  source: string;
}

export type RandomReference = RandomRuns | { missing: string };

/**
 * Monte Carlo runs: enough that the mean's standard error is small next to the curve's rise,
 * capped so that a long budget on an expensive problem (SnAr integrates an ODE per draw) costs a
 * few thousand evaluations at most.
 */
const MAX_RUNS = 128;
const MAX_DRAWS = 4000;

const cache = new Map<string, Promise<RandomReference>>();

export function randomParetoRuns(spec: CampaignSpec, budget: number): Promise<RandomReference> {
  const key = JSON.stringify([spec.baseDir, spec.lab, spec.space, spec.objective.pareto, spec.seed, budget]);
  let found = cache.get(key);
  if (!found) {
    found = draw(spec, budget).catch((error: unknown) => ({ missing: `the random-search reference could not be computed: ${(error as Error).message}` }));
    cache.set(key, found);
    if (cache.size > 64) cache.delete(cache.keys().next().value as string);
  }
  return found;
}

async function draw(spec: CampaignSpec, budget: number): Promise<RandomReference> {
  const lab = spec.lab;
  const truth =
    lab.type === 'analytic' && isMultiObjectiveFunction(lab.function)
      ? analyticTruth(lab.function)
      : lab.type === 'simulator'
        ? await simulatorTruth(spec, lab.dataset, lab.columns, lab.results)
        : undefined;
  if (!truth) {
    return {
      missing:
        'no random-search reference: it needs the true value of every candidate, which only a benchmark lab has (an analytic test problem or a dataset simulator); ' +
        `this campaign's lab (${lab.type}${lab.type === 'analytic' ? ` ${lab.function}` : ''}) does not`,
    };
  }
  const space = await buildSpace(spec);
  if (space.domain) return { missing: 'no random-search reference: the space is searched (continuous parameters), not listed, so random search over it is not drawn here' };
  const candidates = truth.candidates(space);
  if (candidates.length === 0) return { missing: `no random-search reference: no candidate of the space has a true value in ${truth.source}` };
  const length = Math.min(budget, candidates.length);
  const runs: Record<string, number>[][] = [];
  const count = Math.max(8, Math.min(MAX_RUNS, Math.floor(MAX_DRAWS / Math.max(1, length))));
  const measuring = measuredAsTheLab(spec);
  for (let r = 0; r < count; r++) {
    const rng = rngFor(spec.seed, 'pareto-random-reference', r);
    const measure = rngFor(spec.seed, 'pareto-random-measurement', r);
    runs.push(partialShuffle(candidates, length, rng).map((c) => measuring.apply(truth.valuesOf(space, c), measure)));
    await nextTurn(); // an ODE problem takes ms per draw: let the service answer in between
  }
  return { runs, source: `${truth.source}${measuring.words}` };
}

/**
 * Random search's results as this lab would report them, so the reference is handicapped as the
 * campaign is: the lab's Gaussian noise (noise_sd, held to a target's bounds) and, for an analytic
 * lab, each target left out with probability missing_rate (one always kept), the rules of
 * SimulatedLab and AnalyticLab. A draw missing a target adds no hypervolume.
 */
function measuredAsTheLab(spec: CampaignSpec): { apply(values: Record<string, number>, rng: Rng): Record<string, number>; words: string } {
  const lab = spec.lab;
  const noise = lab.type === 'analytic' || lab.type === 'simulator' ? lab.noise_sd : 0;
  const missing = lab.type === 'analytic' ? lab.missing_rate : 0;
  const bounds = new Map((spec.objective.pareto ?? []).flatMap((t) => (t.bounds ? [[t.target, t.bounds] as const] : [])));
  const words = [noise > 0 ? `noise σ ${noise}` : '', missing > 0 ? `each target missing with probability ${missing}` : ''].filter(Boolean).join(', ');
  return {
    words: words ? `, measured as this lab does (${words})` : '',
    apply(values, rng) {
      let out = values;
      if (noise > 0) {
        out = Object.fromEntries(
          Object.entries(out).map(([name, v]) => {
            const b = bounds.get(name);
            const noisy = v + noise * normal(rng);
            return [name, b ? Math.min(b[1], Math.max(b[0], noisy)) : noisy];
          }),
        );
      }
      const names = Object.keys(out);
      if (missing > 0 && names.length > 1) {
        const kept = names.filter(() => rng() >= missing);
        const keep = kept.length > 0 ? kept : [names[Math.floor(rng() * names.length)]!];
        out = Object.fromEntries(keep.map((n) => [n, out[n]!]));
      }
      return out;
    },
  };
}

/** The first k of a random permutation, without shuffling the whole list. */
function partialShuffle(items: readonly number[], k: number, rng: () => number): number[] {
  if (k * 4 >= items.length) return shuffled(items, rng).slice(0, k);
  const picked = new Set<number>();
  const out: number[] = [];
  while (out.length < k) {
    const i = Math.floor(rng() * items.length);
    if (picked.has(i)) continue;
    picked.add(i);
    out.push(items[i]!);
  }
  return out;
}

interface Truth {
  source: string;
  candidates(space: SearchSpace): number[];
  valuesOf(space: SearchSpace, candidate: number): Record<string, number>;
}

function analyticTruth(name: string): Truth {
  const problem = multiObjectiveProblem(name);
  return {
    source: `the ${name} test problem`,
    candidates: (space) => Array.from({ length: space.size }, (_, i) => i),
    valuesOf: (space, candidate) => {
      const conditions = Object.fromEntries(Object.entries(space.valuesOf(candidate)).map(([k, v]) => [k, Number(v)]));
      return evaluateNamed(problem, conditions);
    },
  };
}

async function simulatorTruth(spec: CampaignSpec, dataset: string, columns: Record<string, string>, results: Record<string, string>): Promise<Truth | undefined> {
  const targets = (spec.objective.pareto ?? []).map((t) => t.target);
  if (targets.some((t) => !results[t])) return undefined;
  const file = await confinedSpecPath(spec, ['lab', 'dataset'], dataset);
  const { rows } = await readCsv(file);
  const table = new Map<number, Record<string, number>>();
  return {
    source: `the dataset ${dataset}, replicates averaged`,
    candidates(space) {
      // candidate → quantity → [sum, count]: a replicate may lack a quantity the others report
      const sums = new Map<number, Record<string, [number, number]>>();
      for (const row of rows) {
        const values = Object.entries(results).map(([q, column]) => [q, Number.parseFloat(row[column] ?? '')] as const);
        if (!targets.every((t) => values.some(([q, v]) => q === t && Number.isFinite(v)))) continue;
        const key = space.keyOfRow(row, columns);
        const candidate = key === null ? undefined : space.indexOfKey(key);
        if (candidate === undefined) continue;
        const slot = sums.get(candidate) ?? {};
        for (const [q, v] of values) {
          if (!Number.isFinite(v)) continue;
          const [sum, n] = slot[q] ?? [0, 0];
          slot[q] = [sum + v, n + 1];
        }
        sums.set(candidate, slot);
      }
      table.clear();
      for (const [candidate, slot] of sums) table.set(candidate, Object.fromEntries(Object.entries(slot).map(([q, [sum, n]]) => [q, sum / n])));
      return [...table.keys()].sort((a, b) => a - b);
    },
    valuesOf: (_space, candidate) => table.get(candidate) ?? {},
  };
}
