/**
 * A campaign run by a planner that knows a landscape's exact statistical structure but not its
 * values — an oracle for how fast *learning* can be, as opposed to bench/suite-oracle.ts's ranking
 * oracles, which know the values too.
 *
 * The planner's surrogate is a GP whose kernel is the landscape's own ANOVA decomposition: for a
 * one-hot coded reaction, k(a, b) = Σ_p v_p [a_p = b_p] (+ Σ_{p<q} v_pq [a_p = b_p ∧ a_q = b_q] at
 * order 2), with each v the variance the true main effect (or two-way interaction) has over the
 * dataset's rows, the prior mean the dataset's grand mean and the noise the variance the
 * decomposition leaves unexplained. Nothing is fitted during the campaign: it only has to learn the
 * effects' values from its results, with UCB on the epistemic σ and kriging-believer batches — so
 * its experiments to a top-1 % result are what a planner with a perfectly specified model and
 * prior would need, and no hyperparameter or kernel choice can buy more than that.
 *
 * Hand-written: a GP with a categorical kernel and an incrementally extended Cholesky factor
 * (one new row per experiment), because every campaign re-ranks up to 4,000 candidates after each
 * of its 100 picks; a general GP library would refactorise each time.
 */
import { mean as average } from '../../src/models/metrics.js';
import { rngFor, shuffled } from '../../src/util/random.js';

export interface AnovaStructure {
  /** codes[p][row]: the level of parameter p in measured row `row` */
  codes: Int32Array[];
  /** the parameter sets of the kernel's terms: [p] for main effects, [p, q] for two-way interactions */
  terms: number[][];
  /** each term's variance over the rows */
  variances: number[];
  mean: number;
  noise: number;
}

/** The ANOVA decomposition of y (main effects, and two-way interactions at order 2) as a kernel's terms. */
export function anovaStructure(codes: Int32Array[], y: Float64Array, order: 1 | 2): AnovaStructure {
  const n = y.length;
  const P = codes.length;
  const grand = average(y);
  // cell means by the levels of a parameter set; an effect is a cell mean minus its lower-order parts
  const cellMean = (params: number[]) => {
    const keys = Array.from({ length: n }, (_, row) => params.map((p) => codes[p]![row]).join(','));
    const sums = new Map<string, [number, number]>();
    keys.forEach((k, i) => {
      const cell = sums.get(k) ?? [0, 0];
      cell[0] += y[i]!;
      cell[1] += 1;
      sums.set(k, cell);
    });
    return Float64Array.from(keys, (k) => {
      const [s, c] = sums.get(k)!;
      return s / c;
    });
  };
  const main = Array.from({ length: P }, (_, p) => cellMean([p]).map((m) => m - grand));
  const terms: number[][] = [];
  const effects: Float64Array[] = [];
  for (let p = 0; p < P; p++) {
    terms.push([p]);
    effects.push(main[p]!);
  }
  if (order === 2) {
    for (let p = 0; p < P; p++) {
      for (let q = p + 1; q < P; q++) {
        const pair = cellMean([p, q]);
        terms.push([p, q]);
        effects.push(pair.map((m, i) => m - grand - main[p]![i]! - main[q]![i]!));
      }
    }
  }
  const variance = (xs: Float64Array) => xs.reduce((s, v) => s + v * v, 0) / xs.length;
  let residual = 0;
  for (let i = 0; i < n; i++) residual += (y[i]! - grand - effects.reduce((s, e) => s + e[i]!, 0)) ** 2;
  return { codes, terms, variances: effects.map(variance), mean: grand, noise: Math.max(residual / n, 1e-9 * variance(y.map((v) => v - grand))) };
}

/** Experiments until the first row for which `isTop` holds (null: none within the budget). */
export function anovaCampaign(
  structure: AnovaStructure,
  y: Float64Array,
  isTop: boolean[],
  options: { seed: number; budget: number; batch: number; beta: number; label: string },
): number | null {
  const { codes, terms, variances, mean, noise } = structure;
  const N = y.length;
  const kernel = (a: number, b: number) => {
    let k = 0;
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t]!;
      let same = true;
      for (const p of term) if (codes[p]![a] !== codes[p]![b]) same = false;
      if (same) k += variances[t]!;
    }
    return k;
  };
  const prior = variances.reduce((s, v) => s + v, 0);
  // training points (experiments and, within a batch, believed ones), the Cholesky factor's rows,
  // and per candidate v = L⁻¹ k(X, candidate) grown by one entry per training point
  const train: number[] = [];
  const factor: Float64Array[] = [];
  const v: Float64Array[] = Array.from({ length: N }, () => new Float64Array(options.budget));
  const explained = new Float64Array(N);
  const taken = new Uint8Array(N);
  const addTraining = (x: number) => {
    const j = train.length;
    const row = new Float64Array(j + 1);
    // the new factor row is v[x] so far; its diagonal what it leaves of k(x, x) + noise
    for (let i = 0; i < j; i++) row[i] = v[x]![i]!;
    row[j] = Math.sqrt(Math.max(prior + noise - explained[x]!, 1e-12));
    factor.push(row);
    train.push(x);
    for (let c = 0; c < N; c++) {
      const vc = v[c]!;
      let dot = 0;
      for (let i = 0; i < j; i++) dot += row[i]! * vc[i]!;
      const entry = (kernel(x, c) - dot) / row[j]!;
      vc[j] = entry;
      explained[c] = explained[c]! + entry * entry;
    }
  };
  /** z = L⁻¹ (values − mean) by forward substitution */
  const solve = (values: number[]) => {
    const z = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      let s = values[i]! - mean;
      for (let k = 0; k < i; k++) s -= factor[i]![k]! * z[k]!;
      z[i] = s / factor[i]![i]!;
    }
    return z;
  };
  const predictMean = (c: number, z: Float64Array) => {
    let m = mean;
    for (let i = 0; i < z.length; i++) m += v[c]![i]! * z[i]!;
    return m;
  };

  const order = shuffled(Array.from({ length: N }, (_, i) => i), rngFor(options.seed, 'anova-oracle', options.label));
  const observed: number[] = [];
  let experiments = 0;
  for (const c of order.slice(0, options.batch)) {
    taken[c] = 1;
    experiments++;
    if (isTop[c]) return experiments;
    addTraining(c);
    observed.push(y[c]!);
  }
  while (experiments < options.budget) {
    const z = solve(observed);
    const means = Float64Array.from({ length: N }, (_, c) => predictMean(c, z));
    const picks: number[] = [];
    for (let k = 0; k < Math.min(options.batch, options.budget - experiments); k++) {
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < N; c++) {
        if (taken[c]) continue;
        const score = means[c]! + options.beta * Math.sqrt(Math.max(prior - explained[c]!, 0));
        if (score > bestScore) [best, bestScore] = [c, score];
      }
      if (best < 0) break;
      taken[best] = 1;
      picks.push(best);
      // kriging believer: the pick joins the training set at its predicted mean, which leaves every
      // mean unchanged and shrinks σ around it for the rest of the batch
      addTraining(best);
    }
    if (picks.length === 0) break;
    for (const c of picks) {
      experiments++;
      if (isTop[c]) return experiments;
      observed.push(y[c]!);
    }
  }
  return null;
}
