/**
 * A first check that the multi-objective core finds fronts: experiments to 95 % of the true front's
 * hypervolume on the grid problems, for noisy EHVI, ParEGO and random search. The surrogate here is
 * a small stand-in (one isotropic Matérn-5/2 GP per target on the grid's unit-scaled conditions,
 * hyperparameters by marginal likelihood over a grid of values) so that the acquisition maths can
 * be judged before it is wired into the product's loop and models; `bench:multiobjective` (issue
 * 16) is the product's benchmark, this is not. Sequential (batch of 1), 5 random starting points.
 *
 * Run: npx tsx bench/multiobjective-core.ts [--seeds N] [--budget N] [--problems a,b]
 * Writes bench/results/multiobjective-core.{json,md}.
 */
import { loadavg } from 'node:os';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { normalCdf, normalPdf } from '../src/planner/normal.js';
import { screenCandidates } from '../src/objectives/multi/candidate-screen.js';
import { selectBatchByEhvi } from '../src/objectives/multi/noisy-ehvi.js';
import { parEgoRound } from '../src/objectives/multi/parego.js';
import { experimentsToFraction, type SolvedGridProblem, solveGridProblem } from '../src/objectives/multi/problems/grid-problem.js';
import { multiObjectiveProblem } from '../src/objectives/multi/problems/index.js';
import { type Rng, rngFor, shuffled } from '../src/util/random.js';
import { machine, quantile, writeResults } from './lib.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SEEDS = Number(option('seeds', '5'));
const BUDGET = Number(option('budget', '60'));
const PROBLEMS = option('problems', 'branin-currin,snar,dtlz2-2,dtlz2-3').split(',');
const INITIAL = 5;
const SCREENED = 200;

// ---- stand-in surrogate ---------------------------------------------------------------------

interface Gp {
  predict(xs: number[][]): { mean: number[]; variance: number[] };
  covariance(xs: number[][]): number[][];
}

function matern52(a: readonly number[], b: readonly number[], lengthscale: number): number {
  let d2 = 0;
  for (let i = 0; i < a.length; i++) d2 += (a[i]! - b[i]!) ** 2;
  const r = (Math.sqrt(5 * d2) / lengthscale);
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

function fitGp(x: number[][], yRaw: number[]): Gp {
  const n = x.length;
  const mu = yRaw.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(yRaw.reduce((a, b) => a + (b - mu) ** 2, 0) / n) || 1;
  const y = yRaw.map((v) => (v - mu) / sd);
  let best: { lml: number; ls: number; noise: number; l: Matrix; alpha: Matrix } | undefined;
  for (const ls of [0.1, 0.2, 0.35, 0.6, 1]) {
    for (const noise of [1e-4, 1e-2, 1e-1]) {
      const k = new Matrix(n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k.set(i, j, matern52(x[i]!, x[j]!, ls) + (i === j ? noise : 0));
      const chol = new CholeskyDecomposition(k);
      if (!chol.isPositiveDefinite()) continue;
      const l = chol.lowerTriangularMatrix;
      const alpha = chol.solve(Matrix.columnVector(y));
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += Math.log(l.get(i, i));
      const lml = -0.5 * y.reduce((s, v, i) => s + v * alpha.get(i, 0), 0) - logDet;
      if (!best || lml > best.lml) best = { lml, ls, noise, l, alpha };
    }
  }
  const { ls, l, alpha } = best!;
  const solveLower = (b: Matrix) => {
    // forward substitution, L v = b, column by column
    const out = new Matrix(b.rows, b.columns);
    for (let c = 0; c < b.columns; c++) {
      for (let i = 0; i < n; i++) {
        let s = b.get(i, c);
        for (let k2 = 0; k2 < i; k2++) s -= l.get(i, k2) * out.get(k2, c);
        out.set(i, c, s / l.get(i, i));
      }
    }
    return out;
  };
  const cross = (xs: number[][]) => {
    const m = new Matrix(n, xs.length);
    for (let i = 0; i < n; i++) for (let j = 0; j < xs.length; j++) m.set(i, j, matern52(x[i]!, xs[j]!, ls));
    return m;
  };
  return {
    predict(xs) {
      const ks = cross(xs);
      const v = solveLower(ks);
      const mean = xs.map((_, j) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += ks.get(i, j) * alpha.get(i, 0);
        return mu + sd * s;
      });
      const variance = xs.map((_, j) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += v.get(i, j) ** 2;
        return Math.max(1 - s, 1e-12) * sd * sd;
      });
      return { mean, variance };
    },
    covariance(xs) {
      const v = solveLower(cross(xs));
      const vt = v.transpose();
      const reduction = vt.mmul(v);
      return xs.map((a, i) => xs.map((b, j) => (matern52(a, b, ls) - reduction.get(i, j)) * sd * sd));
    },
  };
}

// ---- strategies ------------------------------------------------------------------------------

type Strategy = (solved: SolvedGridProblem, unit: number[][], chosen: number[], rng: Rng) => number;

const unobserved = (total: number, chosen: number[]) => {
  const taken = new Set(chosen);
  return Array.from({ length: total }, (_, i) => i).filter((i) => !taken.has(i));
};

const ehviStrategy: Strategy = (solved, unit, chosen, rng) => {
  const directions = solved.problem.targets.map((t) => t.direction);
  const xObs = chosen.map((i) => unit[i]!);
  const gps = directions.map((_, j) => fitGp(xObs, chosen.map((i) => solved.values[i]![j]!)));
  const rest = unobserved(unit.length, chosen);
  const predictions = gps.map((gp) => gp.predict(rest.map((i) => unit[i]!)));
  const observedMeans = gps.map((gp) => gp.predict(xObs).mean);
  const screened = screenCandidates({
    mean: rest.map((_, k) => predictions.map((p) => p.mean[k]!)),
    sd: rest.map((_, k) => predictions.map((p) => Math.sqrt(p.variance[k]!))),
    observedMean: xObs.map((_, k) => observedMeans.map((col) => col[k]!)),
    directions,
    reference: solved.reference,
    keep: SCREENED - 50,
    explore: 50,
    rng,
  });
  const candidates = screened.map((k) => rest[k]!);
  const pool = [...chosen, ...candidates];
  const xs = pool.map((i) => unit[i]!);
  const posteriorMeans = gps.map((gp) => gp.predict(xs).mean);
  const { chosen: picked } = selectBatchByEhvi({
    posterior: { mean: xs.map((_, k) => posteriorMeans.map((col) => col[k]!)), covariance: gps.map((gp) => gp.covariance(xs)) },
    directions,
    reference: solved.reference,
    observed: chosen.map((_, k) => k),
    pending: [],
    candidates: candidates.map((_, k) => chosen.length + k),
    batchSize: 1,
    samples: 128,
    rng,
  });
  return pool[picked[0]!]!;
};

const parEgoStrategy: Strategy = (solved, unit, chosen, rng) => {
  const directions = solved.problem.targets.map((t) => t.direction);
  const { values } = parEgoRound(chosen.map((i) => solved.values[i]!), directions, rng);
  const gp = fitGp(chosen.map((i) => unit[i]!), values.map((v) => v!));
  const best = Math.max(...(values as number[]));
  const rest = unobserved(unit.length, chosen);
  const { mean, variance } = gp.predict(rest.map((i) => unit[i]!));
  let pick = rest[0]!;
  let bestEi = -Infinity;
  rest.forEach((index, k) => {
    const s = Math.sqrt(variance[k]!);
    const z = (mean[k]! - best) / s;
    const ei = (mean[k]! - best) * normalCdf(z) + s * normalPdf(z);
    if (ei > bestEi) {
      bestEi = ei;
      pick = index;
    }
  });
  return pick;
};

function runCampaign(solved: SolvedGridProblem, unit: number[][], strategy: Strategy | 'random', seed: number): number | null {
  const rng = rngFor(seed, 'multiobjective-core', solved.problem.name);
  const order = shuffled(unit.map((_, i) => i), rng);
  if (strategy === 'random') return experimentsToFraction(solved, order.map((i) => solved.values[i]!));
  const chosen = order.slice(0, INITIAL);
  const reached = () => experimentsToFraction(solved, chosen.map((i) => solved.values[i]!));
  while (chosen.length < BUDGET && reached() === null) chosen.push(strategy(solved, unit, chosen, rng));
  return reached();
}

// ---- main ------------------------------------------------------------------------------------

const results: Record<string, Record<string, (number | null)[]>> = {};
const started = Date.now();
const loadBefore = loadavg()[0]!;
for (const name of PROBLEMS) {
  const solved = solveGridProblem(multiObjectiveProblem(name));
  const lows = solved.problem.variables.map((v) => Math.min(...v.levels));
  const highs = solved.problem.variables.map((v) => Math.max(...v.levels));
  const unit = solved.points.map((x) => x.map((v, j) => (v - lows[j]!) / (highs[j]! - lows[j]! || 1)));
  results[name] = { random: [], parego: [], ehvi: [] };
  for (let seed = 0; seed < SEEDS; seed++) {
    results[name]!.random!.push(runCampaign(solved, unit, 'random', seed));
    results[name]!.parego!.push(runCampaign(solved, unit, parEgoStrategy, seed));
    results[name]!.ehvi!.push(runCampaign(solved, unit, ehviStrategy, seed));
    console.error(`${name} seed ${seed}: random ${results[name]!.random!.at(-1)}, parego ${results[name]!.parego!.at(-1)}, ehvi ${results[name]!.ehvi!.at(-1)}`);
  }
}

const summary = (values: (number | null)[]) => {
  // a run that never reached 95 % within the budget counts as budget + 1 (a lower bound on its cost)
  const sorted = values.map((v) => v ?? BUDGET + 1).sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q25: quantile(sorted, 0.25), q75: quantile(sorted, 0.75), unreached: values.filter((v) => v === null).length };
};
const rows = Object.entries(results).map(([name, byMethod]) => ({
  problem: name,
  random: summary(byMethod.random!),
  parego: summary(byMethod.parego!),
  ehvi: summary(byMethod.ehvi!),
}));
const cell = (s: ReturnType<typeof summary>) => `${s.median} (${s.q25}–${s.q75})${s.unreached ? `, ${s.unreached} not reached` : ''}`;
const markdown = [
  '# Multi-objective core: experiments to 95 % of the true front hypervolume',
  '',
  `Stand-in GP surrogate (not the product's models), batch 1, ${INITIAL} random starting points, budget ${BUDGET}, ${SEEDS} seeds;`,
  `median (IQR); a run not reaching 95 % counts as ${BUDGET + 1}. Random search runs the whole grid in a random order.`,
  `Load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on 2 shared cores; ${Math.round((Date.now() - started) / 1000)} s.`,
  '',
  '| problem | random | ParEGO | noisy EHVI | random / EHVI |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.problem} | ${cell(r.random)} | ${cell(r.parego)} | ${cell(r.ehvi)} | ${(r.random.median / r.ehvi.median).toFixed(1)}× |`),
].join('\n');
writeResults('multiobjective-core', { machine: machine(), date: new Date().toISOString(), seeds: SEEDS, budget: BUDGET, initial: INITIAL, results, rows }, markdown);
