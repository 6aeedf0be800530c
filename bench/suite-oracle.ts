/**
 * How much of a landscape's structure a planner must know to reach a top-1 % result within k
 * experiments (issue 14's per-dataset diagnosis; nothing here plans a campaign). For each reaction
 * dataset of the suite, a linear model of one-hot choices is fitted on EVERY measured candidate —
 * knowledge no campaign has — with main effects only (order 1), with every two-way interaction
 * (order 2). Testing candidates in
 * the order a model ranks them, the position of the first top-1 % candidate is the number of
 * experiments a planner that knew exactly that much would need. If a dataset's top-1 % rows are
 * not near the top even for the two-way oracle, no surrogate that learns main effects and pairwise
 * interactions from 100 results can be expected to reach them quickly: they sit in a higher-order
 * interaction. (Three-way models are not fitted: on these datasets they have about as many
 * unknowns as the table has rows, so they would be the table itself.)
 *
 * Then the learning oracle (bench/suite/anova-oracle.ts): campaigns by a planner that is given the
 * exact variance of every main effect and two-way interaction but must learn their values.
 *
 *   npm run bench:suite-oracle [-- --tasks a,b] [--seeds 40] [--beta 2] [--variances exact|uniform] [--out suite-oracle]
 *
 * Writes bench/results/suite-oracle.{json,md} (or --out's name).
 */
import { parseArgs } from 'node:util';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { initChem } from '../src/chem/index.js';
import { median } from '../src/models/metrics.js';
import { machine, writeResults } from './lib.js';
import { anovaCampaign, anovaStructure } from './suite/anova-oracle.js';
import { loadTask, reachesTop1, taskNames } from './suite/tasks.js';

const BUDGET = 100;
const BATCH = 5;

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string' },
    /** campaigns per dataset and order for the learning oracle */
    seeds: { type: 'string', default: '40' },
    beta: { type: 'string', default: '2' },
    /**
     * exact: the learning oracle gets each term's true variance; uniform: only their true total,
     * split equally among the terms (it knows the structure, not which role matters)
     */
    variances: { type: 'string', default: 'exact' },
    out: { type: 'string', default: 'suite-oracle' },
  },
});
if (args.variances !== 'exact' && args.variances !== 'uniform') throw new Error(`--variances must be exact or uniform, not ${args.variances}`);
const seeds = Number(args.seeds);
const beta = Number(args.beta);
const ORDERS = [1, 2] as const;

/** Ridge on the normal equations: the design is rank-deficient (one-hot levels sum to the intercept); a tiny ridge picks the minimum-norm-like solution. */
const RIDGE = 1e-6;

interface OracleRow {
  task: string;
  candidates: number;
  top1: number;
  random_expected: number;
  target_20pct: number;
  orders: { order: number; columns: number; r2: number; first_top1_rank: number }[];
  /** campaigns of the learning oracle (bench/suite/anova-oracle.ts): experiments to a first top-1 % result per seed, null when missed */
  learned: { order: number; explained: number; runs: (number | null)[]; median: number; missed: number; ratio: number }[];
}

function combinations<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => combinations(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

/** Columns of the one-hot design: every combination of `order` parameters' levels (order 0: the intercept). */
function designColumns(levels: number[][], order: number): number[][][] {
  const params = levels.map((_, p) => p);
  const out: number[][][] = [];
  for (let k = 0; k <= order; k++) {
    for (const set of combinations(params, k)) {
      // every tuple of levels of the parameters in `set`
      let tuples: number[][] = [[]];
      for (const p of set) tuples = tuples.flatMap((t) => levels[p]!.map((l) => [...t, l]));
      for (const t of tuples) out.push(set.map((p, i) => [p, t[i]!]));
    }
  }
  return out;
}

function fitAndRank(codes: Int32Array[], y: Float64Array, levels: number[][], order: number): { columns: number; r2: number; predicted: Float64Array } {
  const columns = designColumns(levels, order);
  const n = y.length;
  const active = (row: number) => columns.flatMap((col, c) => (col.every(([p, l]) => codes[p!]![row] === l) ? [c] : []));
  const rows = Array.from({ length: n }, (_, i) => active(i));
  const m = columns.length;
  const gram = Matrix.zeros(m, m);
  const rhs = Matrix.zeros(m, 1);
  rows.forEach((cols, i) => {
    for (const a of cols) {
      rhs.set(a, 0, rhs.get(a, 0) + y[i]!);
      for (const b of cols) gram.set(a, b, gram.get(a, b) + 1);
    }
  });
  for (let c = 0; c < m; c++) gram.set(c, c, gram.get(c, c) + RIDGE * n);
  const w = new CholeskyDecomposition(gram).solve(rhs).getColumn(0);
  const predicted = Float64Array.from(rows, (cols) => cols.reduce((s, c) => s + w[c]!, 0));
  const mean = y.reduce((s, v) => s + v, 0) / n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    residual += (y[i]! - predicted[i]!) ** 2;
    total += (y[i]! - mean) ** 2;
  }
  return { columns: m, r2: 1 - residual / total, predicted };
}

await initChem();
const results: OracleRow[] = [];
for (const name of args.tasks ? args.tasks.split(',') : taskNames()) {
  const task = await loadTask(name);
  if (task.kind !== 'dataset') continue;
  const landscape = task.landscape(1);
  const sign = landscape.direction === 'maximize' ? 1 : -1;
  const measured = Array.from({ length: task.space.size }, (_, i) => i).filter((i) => !Number.isNaN(landscape.values[i]!));
  const names = task.space.parameters.map((p) => p.name);
  const levelIndex = names.map(() => new Map<string, number>());
  const codes = names.map(() => new Int32Array(measured.length));
  measured.forEach((candidate, row) => {
    const values = task.space.valuesOf(candidate);
    names.forEach((param, p) => {
      const key = String(values[param]);
      let code = levelIndex[p]!.get(key);
      if (code === undefined) levelIndex[p]!.set(key, (code = levelIndex[p]!.size));
      codes[p]![row] = code;
    });
  });
  const levels = levelIndex.map((m) => Array.from({ length: m.size }, (_, l) => l));
  const y = Float64Array.from(measured, (i) => sign * landscape.values[i]!);
  const isTop = measured.map((i) => reachesTop1(landscape, landscape.values[i]!));
  const randomExpected = (landscape.measured + 1) / (landscape.top1Count + 1);
  const row: OracleRow = { task: name, candidates: measured.length, top1: landscape.top1Count, random_expected: randomExpected, target_20pct: 0.2 * randomExpected, orders: [], learned: [] };
  for (const order of ORDERS.filter((o) => o <= names.length)) {
    const started = performance.now();
    const fit = fitAndRank(codes, y, levels, order);
    const ranked = measured.map((_, r) => r).sort((a, b) => fit.predicted[b]! - fit.predicted[a]!);
    const first = ranked.findIndex((r) => isTop[r]) + 1;
    row.orders.push({ order, columns: fit.columns, r2: fit.r2, first_top1_rank: first });
    console.error(`${name}: order ${order}, ${fit.columns} columns, R² ${fit.r2.toFixed(2)}, first top-1 % at rank ${first} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const structure = anovaStructure(codes, y, order);
    const total = structure.variances.reduce((a, b) => a + b, 0);
    if (args.variances === 'uniform') structure.variances = structure.variances.map(() => total / structure.variances.length);
    const runs = Array.from({ length: seeds }, (_, s) => anovaCampaign(structure, y, isTop, { seed: s + 1, budget: BUDGET, batch: BATCH, beta, label: name }));
    const medianRun = median(runs.map((r) => r ?? BUDGET + 1));
    const missed = runs.filter((r) => r === null).length;
    row.learned.push({ order, explained: total / (total + structure.noise), runs, median: medianRun, missed, ratio: medianRun / randomExpected });
    console.error(`${name}: learning order ${order} with its exact structure: median ${medianRun}, ${missed} of ${seeds} missed, ${(medianRun / randomExpected).toFixed(2)} of random (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  results.push(row);
}

const cell = (r: OracleRow, order: number) => {
  const o = r.orders.find((x) => x.order === order);
  return o ? `${o.first_top1_rank} (${o.r2.toFixed(2)}, ${o.columns})` : '—';
};
const learnedCell = (r: OracleRow, order: number) => {
  const l = r.learned.find((x) => x.order === order);
  return l ? `${l.median} (${l.missed} missed, ${l.ratio.toFixed(2)})` : '—';
};
const lines = [
  '# How much structure a planner must know: oracle rankings and learning oracles',
  '',
  `\`npm run bench:suite-oracle -- --seeds ${seeds} --beta ${beta} --variances ${args.variances}\`. Machine: ${machine().cpu}, Node ${process.version}. ${new Date().toISOString()}.`,
  '',
  '**Ranking oracles**: for each reaction dataset, linear models of one-hot choices fitted on every measured candidate (knowledge no campaign has): main effects only, and main effects with every two-way interaction. "First top-1 %" is the position of the first top-1 % candidate when the candidates are tested in the order the model ranks them: the experiments a planner that knew exactly that much would need.',
  '',
  `**Learning oracles** (bench/suite/anova-oracle.ts): campaigns (batch ${BATCH}, budget ${BUDGET}, ${seeds} seeds, a random first batch, then UCB β ${beta} on the epistemic σ with kriging-believer batches) by a GP whose kernel is the dataset's exact ANOVA structure — ${args.variances === 'exact' ? "each main effect's (and two-way interaction's) true variance over the rows" : 'the true total variance of the main effects (and two-way interactions), split equally among them'}, the true grand mean, the true unexplained variance as noise. It knows ${args.variances === 'exact' ? 'every hyperparameter' : 'the structure and its scale'} and has only the effects' values to learn: median experiments to a first top-1 % result (misses as ${BUDGET + 1}), misses, and ÷ random search's expectation. It compares chemistry only by identity (one-hot); a planner that compares substances by structure can do better where similar substances behave alike.`,
  '',
  '| dataset | candidates | top-1 % | random expects | 20 % of random (issue 14) | first top-1 %: main effects (R², unknowns) | with two-way interactions | learning main effects: median (missed, ÷ random) | learning with two-way interactions |',
  '|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.task} | ${r.candidates} | ${r.top1} | ${r.random_expected.toFixed(1)} | ${r.target_20pct.toFixed(1)} | ${cell(r, 1)} | ${cell(r, 2)} | ${learnedCell(r, 1)} | ${learnedCell(r, 2)} |`),
  '',
];
writeResults(args.out, { machine: machine(), seeds, beta, variances: args.variances, tasks: results }, lines.join('\n'));
