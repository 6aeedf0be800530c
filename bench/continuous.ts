/**
 * bench:continuous (issue 17). The mixed-space planner (src/planner/mixed/) with the product's GP
 * surrogate, in process (no database or lab: the planner, the model and the task's function):
 *  - continuous tasks (bench/continuous-tasks.ts): Branin (2-D), Hartmann-6 and the SnAr kinetic
 *    model (Hone et al. 2017; space-time yield maximised over residence time, equivalents,
 *    concentration and temperature). Experiments until a result reaches 95 % and 99 % of the known
 *    optimum, median and IQR over seeds, for
 *      · the mixed planner on the continuous space (EI, multi-start L-BFGS, batch by local penalisation),
 *      · Athanor's discrete planner (BayesianRecommender, the same EI and GP) on the same space
 *        discretised on a grid (the experiments a chemist would get by listing levels),
 *      · uniform random search and scrambled Sobol search (each seed its own draws / scrambling);
 *  - scale: 8 roles × 30 choices (6.6 × 10¹¹ combinations) and three continuous conditions, a GP
 *    fitted on 100 results, the wall time and peak RSS of one proposal round (batch 4).
 *  - mixed categorical/continuous: the aniline C–N cross-coupling of Baumgartner et al. 2019
 *    (catalyst × base × three conditions) served by a GP emulator fitted to the published data
 *    (bench/cn-emulator.ts), measured the same way (task cn_baumgartner);
 *
 *   npm run bench:continuous -- [--seeds 20] [--budget 100] [--batch 4] [--tasks branin,hartmann6,snar,cn_baumgartner]
 *     [--no-scale | --scale-only] [--tag NAME]   (write bench/results/continuous.part-NAME.json instead,
 *     to run parts in parallel processes or the scale round alone on a quiet moment)
 *   npm run bench:continuous -- --merge NAME,NAME   (combine part files into continuous.json / .md)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getPriority, loadavg } from 'node:os';
import { resourceUsage } from 'node:process';
import { modelView } from '../src/agent/campaign-model.js';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate } from '../src/models/gp.js';
import { reactionInputOf, schemaFromSpace } from '../src/models/schema.js';
import { expectedImprovement } from '../src/planner/acquisition.js';
import { BayesianRecommender } from '../src/planner/bayesian-recommender.js';
import { MixedRecommender } from '../src/planner/mixed/mixed-recommender.js';
import { SobolSequence } from '../src/planner/mixed/sobol.js';
import type { Parameter } from '../src/planner/parameters.js';
import type { Recommender } from '../src/planner/recommender.js';
import { SearchSpace } from '../src/planner/space.js';
import { rngFor } from '../src/util/random.js';
import { continuousTasks, type ContinuousTask, type Values } from './continuous-tasks.js';
import { machine, quantile, ROOT, writeResults } from './lib.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const seeds = Number(option('seeds') ?? 20);
const budget = Number(option('budget') ?? 100);
const batch = Number(option('batch') ?? 4);
const taskNames = (option('tasks') ?? 'branin,hartmann6,snar,cn_baumgartner').split(',').filter(Boolean);
const RESULTS = join(ROOT, 'bench', 'results');
const partPath = (tag: string) => join(RESULTS, `continuous.part-${tag}.json`);

interface RunOutcome {
  to95: number | null;
  to99: number | null;
  /** best fraction of the optimum reached */
  best: number;
  experiments: number;
}
interface Summary {
  median: number | null;
  q1: number | null;
  q3: number | null;
  missed: number;
}
interface TaskResult {
  task: string;
  description: string;
  optimum: number;
  optimum_at?: Values | number[];
  parameters: ({ name: string; min: number; max: number; unit?: string } | { name: string; values: string[] })[];
  median_to_95pct: number | null;
  iqr_to_95pct: [number | null, number | null];
  random_median_to_95pct: number | null;
  median_to_99pct: number | null;
  random_median_to_99pct: number | null;
  planner_missed_95pct: number;
  per_seed: RunOutcome[];
  iqr_to_99pct: [number | null, number | null];
  planner_missed_99pct: number;
  random: { to95: Summary; to99: Summary; limit: number; per_seed: RunOutcome[] };
  sobol: { to95: Summary; to99: Summary; limit: number; per_seed: RunOutcome[] };
  sobol_median_to_95pct: number | null;
  grid: { note: string; points: number; best_point_pct: number; to95: Summary; to99: Summary; per_seed: RunOutcome[] };
  grid_median_to_95pct: number | null;
  /** random median to 95 % over the planner's (a lower bound when random missed at its limit) */
  ratio_random_over_planner_95pct: number | null;
  target_5x_met: boolean;
  seconds: number;
}
interface ScaleResult {
  combinations: number;
  continuous: number;
  results: number;
  round_seconds: number;
  round_cpu_seconds: number;
  fit_seconds: number;
  peak_rss_mb: number;
  registered_points: number;
  best_of_100_results: number;
  proposals_true_value: number[];
  optimum: number;
  loadavg_before_round: number[];
  loadavg_after_round: number[];
  /** the round's first pick's EI against exhaustive search over 3-role subspaces through it (absent in older parts) */
  acquisition_check?: { pick_ei: number; subspaces: { roles: string[]; points: number; exhaustive_max_ei: number; points_above_pick: number }[] };
  niceness: string;
}
interface Part {
  tag: string;
  settings: { seeds: number; budget: number; batch: number };
  tasks: TaskResult[];
  scale?: ScaleResult;
  machine: ReturnType<typeof machine>;
  loadavg_start: number[];
  loadavg_end: number[];
  seconds: number;
  command: string;
}

/* ---------------- the runs ---------------- */

const fraction = (task: ContinuousTask, value: number) => (value - task.floor) / (task.optimum - task.floor);

/** Experiments until the best result reaches 95 % / 99 % of the optimum, the planner fed the task's objective in its own units. */
async function closedLoop(task: ContinuousTask, space: SearchSpace, planner: Recommender, seed: number, stopAt: number): Promise<RunOutcome> {
  const schema = schemaFromSpace(space, ['objective'], task.bounds ? { objective: task.bounds } : undefined);
  const observed: { candidate: number; value: number }[] = [];
  let to95: number | null = null;
  let to99: number | null = null;
  let best = Number.NEGATIVE_INFINITY;
  let gp: GaussianProcessSurrogate | undefined;
  for (let round = 1; observed.length < budget; round++) {
    let model;
    if (observed.length >= 2 * batch) {
      const next = new GaussianProcessSurrogate(schema, DEFAULT_GP_CONFIG);
      await next.fit({ inputs: observed.map((o) => reactionInputOf(space, o.candidate)), targets: { objective: observed.map((o) => o.value) } }, { seed, ...(gp ? { warmStart: gp } : {}) });
      gp = next;
      model = modelView(space, gp, 'objective', round);
    }
    const { proposals } = await planner.recommend({
      space,
      count: Math.min(batch, budget - observed.length),
      seed,
      round,
      observations: observed,
      pending: [],
      taken: new Set(observed.map((o) => o.candidate)),
      direction: 'maximize',
      ...(model ? { model } : {}),
    });
    if (proposals.length === 0) break;
    const values = await task.evaluate(proposals.map((p) => space.valuesOf(p.candidate)));
    for (const [k, p] of proposals.entries()) {
      const value = values[k]!;
      observed.push({ candidate: p.candidate, value });
      const f = fraction(task, value);
      best = Math.max(best, f);
      if (f >= 0.95 && to95 === null) to95 = observed.length;
      if (f >= 0.99 && to99 === null) to99 = observed.length;
    }
    if (to99 !== null || best >= stopAt - 1e-12) break;
  }
  return { to95, to99, best, experiments: observed.length };
}

function continuousRun(task: ContinuousTask, seed: number): Promise<RunOutcome> {
  const space = new SearchSpace({ parameters: task.parameters });
  const planner = new MixedRecommender({ acquisition: { name: 'ei' }, initialResults: 2 * batch, penaltyLength: 0.1 });
  return closedLoop(task, space, planner, seed, Infinity);
}

function gridSpace(task: ContinuousTask): SearchSpace {
  let c = 0;
  const parameters: Parameter[] = task.parameters.map((p) => (p.kind === 'continuous' ? { kind: 'numeric', name: p.name, values: task.grid[c++]!, ...(p.unit ? { unit: p.unit } : {}) } : p));
  return new SearchSpace({ parameters });
}

/** The best point of the grid, by listing it (the grid run can do no better, so it stops there). */
async function gridBest(task: ContinuousTask, space: SearchSpace): Promise<number> {
  let best = Number.NEGATIVE_INFINITY;
  for (let start = 0; start < space.size; start += 1024) {
    const rows = Array.from({ length: Math.min(1024, space.size - start) }, (_, k) => space.valuesOf(start + k));
    for (const v of await task.evaluate(rows)) best = Math.max(best, fraction(task, v));
  }
  return best;
}

function gridRun(task: ContinuousTask, space: SearchSpace, bestPoint: number, seed: number): Promise<RunOutcome> {
  const planner = new BayesianRecommender({ acquisition: { name: 'ei' }, initialResults: 2 * batch, penaltyLength: 0.1, initialDesign: 'diverse' });
  return closedLoop(task, space, planner, seed, bestPoint);
}

/** Draws until 99 % or the limit: uniform random (seeded) or a scrambled Sobol sequence (seeded scrambling). */
async function searchRun(task: ContinuousTask, seed: number, kind: 'random' | 'sobol'): Promise<RunOutcome> {
  const d = task.parameters.length;
  const rng = rngFor(seed, `bench-continuous-${kind}`, task.name);
  const sobol = kind === 'sobol' ? new SobolSequence(d, seed * 1009 + 17) : null;
  let to95: number | null = null;
  let to99: number | null = null;
  let best = Number.NEGATIVE_INFINITY;
  let n = 0;
  // one coordinate in [0, 1) per parameter: a continuous value across its range, or a category
  const valuesAt = (u: ArrayLike<number>): Values =>
    Object.fromEntries(task.parameters.map((p, j) => [p.name, p.kind === 'continuous' ? p.min + (p.max - p.min) * u[j]! : p.values[Math.min(p.values.length - 1, Math.floor(u[j]! * p.values.length))]!]));
  // drawn and evaluated in chunks (an emulator predicts many at once), counted one by one
  const chunk = 256;
  while (n < task.searchLimit && to99 === null) {
    const units = Array.from({ length: Math.min(chunk, task.searchLimit - n) }, (_, k) => (sobol ? sobol.point(n + k) : Float64Array.from({ length: d }, () => rng())));
    const values = await task.evaluate(units.map(valuesAt));
    for (const v of values) {
      n++;
      const f = fraction(task, v);
      best = Math.max(best, f);
      if (f >= 0.95 && to95 === null) to95 = n;
      if (f >= 0.99) {
        to99 = n;
        break;
      }
    }
  }
  return { to95, to99, best, experiments: n };
}

/**
 * Quantiles with misses (null) ranked last: a quantile whose interpolation touches a miss is null
 * (beyond the budget or limit), never a number mixed from one.
 */
function summary(values: (number | null)[]): Summary {
  const sorted = values.map((x) => x ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const q = (p: number) => {
    const hi = sorted[Math.ceil((sorted.length - 1) * p)];
    return hi === undefined || !Number.isFinite(hi) ? null : quantile(sorted, p);
  };
  return { median: q(0.5), q1: q(0.25), q3: q(0.75), missed: values.filter((v) => v === null).length };
}

async function runTask(task: ContinuousTask): Promise<TaskResult> {
  const started = Date.now();
  const grid = gridSpace(task);
  const bestPoint = await gridBest(task, grid);
  const planner: RunOutcome[] = [];
  const random: RunOutcome[] = [];
  const sobol: RunOutcome[] = [];
  const gridRuns: RunOutcome[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    planner.push(await continuousRun(task, seed));
    gridRuns.push(await gridRun(task, grid, bestPoint, seed));
    random.push(await searchRun(task, seed, 'random'));
    sobol.push(await searchRun(task, seed, 'sobol'));
    const show = (r: RunOutcome) => `${r.to95 ?? '-'}/${r.to99 ?? '-'}`;
    console.error(`${task.name} seed ${seed}: planner ${show(planner.at(-1)!)}, grid ${show(gridRuns.at(-1)!)}, random ${show(random.at(-1)!)}, sobol ${show(sobol.at(-1)!)}  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return summarised({
    task: task.name,
    description: task.description,
    optimum: task.optimum,
    ...(task.optimumAt ? { optimum_at: task.optimumAt } : {}),
    parameters: task.parameters.map((p) => (p.kind === 'continuous' ? { name: p.name, min: p.min, max: p.max, ...(p.unit ? { unit: p.unit } : {}) } : { name: p.name, values: p.values })),
    per_seed: planner,
    random: { limit: task.searchLimit, per_seed: random },
    sobol: { limit: task.searchLimit, per_seed: sobol },
    grid: { note: task.gridNote, points: grid.size, best_point_pct: 100 * bestPoint, per_seed: gridRuns },
    seconds: (Date.now() - started) / 1000,
  });
}

/** Every summary field of a task, from its per-seed outcomes (so a merge recomputes them from the raw runs). */
function summarised(t: Pick<TaskResult, 'task' | 'description' | 'optimum' | 'optimum_at' | 'parameters' | 'per_seed' | 'seconds'> & {
  random: { limit: number; per_seed: RunOutcome[] };
  sobol: { limit: number; per_seed: RunOutcome[] };
  grid: { note: string; points: number; best_point_pct: number; per_seed: RunOutcome[] };
}): TaskResult {
  const p95 = summary(t.per_seed.map((r) => r.to95));
  const p99 = summary(t.per_seed.map((r) => r.to99));
  const r95 = summary(t.random.per_seed.map((r) => r.to95));
  const r99 = summary(t.random.per_seed.map((r) => r.to99));
  const s95 = summary(t.sobol.per_seed.map((r) => r.to95));
  const g95 = summary(t.grid.per_seed.map((r) => r.to95));
  // random's median beyond its limit: the ratio is at least limit / planner median
  const ratio = p95.median === null ? null : (r95.median ?? t.random.limit) / p95.median;
  return {
    task: t.task,
    description: t.description,
    optimum: t.optimum,
    ...(t.optimum_at ? { optimum_at: t.optimum_at } : {}),
    parameters: t.parameters,
    median_to_95pct: p95.median,
    iqr_to_95pct: [p95.q1, p95.q3],
    random_median_to_95pct: r95.median,
    median_to_99pct: p99.median,
    random_median_to_99pct: r99.median,
    planner_missed_95pct: p95.missed,
    per_seed: t.per_seed,
    iqr_to_99pct: [p99.q1, p99.q3],
    planner_missed_99pct: p99.missed,
    random: { to95: r95, to99: r99, limit: t.random.limit, per_seed: t.random.per_seed },
    sobol: { to95: s95, to99: summary(t.sobol.per_seed.map((r) => r.to99)), limit: t.sobol.limit, per_seed: t.sobol.per_seed },
    sobol_median_to_95pct: s95.median,
    grid: { note: t.grid.note, points: t.grid.points, best_point_pct: t.grid.best_point_pct, to95: g95, to99: summary(t.grid.per_seed.map((r) => r.to99)), per_seed: t.grid.per_seed },
    grid_median_to_95pct: g95.median,
    ratio_random_over_planner_95pct: ratio,
    target_5x_met: ratio !== null && ratio >= 5,
    seconds: t.seconds,
  };
}

/* ---------------- scale: 30^8 × three continuous conditions, 100 results, one proposal round ---------------- */

async function runScale(): Promise<ScaleResult> {
  const roles = 8;
  const choices = 30;
  const rng = rngFor(11, 'bench-continuous-scale');
  const table = Array.from({ length: roles }, () => Array.from({ length: choices }, () => rng()));
  const parameters: Parameter[] = [
    ...Array.from({ length: roles }, (_, r): Parameter => ({ kind: 'categorical', name: `role${r}`, values: Array.from({ length: choices }, (_, c) => `c${c}`) })),
    { kind: 'continuous', name: 'temperature', min: 20, max: 120, unit: '°C' },
    { kind: 'continuous', name: 'time', min: 1, max: 60, log: true, unit: 'min' },
    { kind: 'continuous', name: 'equiv', min: 1, max: 3 },
  ];
  const truth = (v: Record<string, string | number>) =>
    (table.reduce((s, row, r) => s + row[Number(String(v[`role${r}`]).slice(1))]!, 0) - (((v.temperature as number) - 80) / 100) ** 2 - ((v.equiv as number) - 2) ** 2) / roles;
  const space = new SearchSpace({ parameters });
  const scalePlanner = new MixedRecommender({ acquisition: { name: 'ei' }, initialResults: 100, penaltyLength: 0.1 });
  const observed: { candidate: number; value: number }[] = [];
  while (observed.length < 100) {
    const { proposals } = await scalePlanner.recommend({ space, count: 20, seed: 3, round: observed.length / 20 + 1, observations: observed, pending: [], taken: new Set(observed.map((o) => o.candidate)), direction: 'maximize' });
    for (const p of proposals) observed.push({ candidate: p.candidate, value: truth(space.valuesOf(p.candidate)) });
  }
  const fitStarted = performance.now();
  const gp = new GaussianProcessSurrogate(schemaFromSpace(space, ['score']), DEFAULT_GP_CONFIG);
  await gp.fit({ inputs: observed.map((o) => reactionInputOf(space, o.candidate)), targets: { score: observed.map((o) => o.value) } }, { seed: 3 });
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const loadBefore = loadavg();
  const roundStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  const round = await scalePlanner.recommend({ space, count: batch, seed: 3, round: 99, observations: observed, pending: [], taken: new Set(observed.map((o) => o.candidate)), direction: 'maximize', model: modelView(space, gp, 'score', 1) });
  const roundSeconds = (performance.now() - roundStarted) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  // The discrete search against exhaustive search where that is possible: around the round's first
  // pick, every combination of three roles (30³ = 27,000 points, the other roles and the continuous
  // conditions as picked), EI by the same model. Not timed.
  const view = modelView(space, gp, 'score', 1);
  const incumbent = Math.max(...observed.map((o) => o.value));
  const pick = space.pointOf(round.proposals[0]!.candidate);
  const pickEi = round.proposals[0]!.acquisition ?? Number.NaN;
  const subspaces = [];
  for (const roles3 of [[0, 1, 2], [5, 6, 7]]) {
    let best = -1;
    let above = 0;
    for (let a = 0; a < choices; a++) {
      const points = [];
      for (let b = 0; b < choices; b++)
        for (let c = 0; c < choices; c++) {
          const codes = Int32Array.from(pick.codes);
          [codes[roles3[0]!], codes[roles3[1]!], codes[roles3[2]!]] = [a, b, c];
          points.push({ codes, reals: Float64Array.from(pick.reals) });
        }
      const predicted = await view.predictPoints!(points);
      for (let i = 0; i < points.length; i++) {
        const ei = expectedImprovement(predicted.mean[i]!, predicted.sigma[i]!, incumbent);
        best = Math.max(best, ei);
        if (ei > pickEi * (1 + 1e-6)) above++;
      }
    }
    subspaces.push({ roles: roles3.map((r) => `role${r}`), points: choices ** 3, exhaustive_max_ei: best, points_above_pick: above });
  }
  return {
    combinations: choices ** roles,
    continuous: 3,
    results: observed.length,
    round_seconds: roundSeconds,
    round_cpu_seconds: (cpu.user + cpu.system) / 1e6,
    fit_seconds: fitSeconds,
    peak_rss_mb: resourceUsage().maxRSS / 1024,
    registered_points: space.size,
    best_of_100_results: Math.max(...observed.map((o) => o.value)),
    proposals_true_value: round.proposals.map((p) => truth(space.valuesOf(p.candidate))),
    optimum: table.reduce((s, row) => s + Math.max(...row), 0) / roles,
    acquisition_check: { pick_ei: pickEi, subspaces },
    loadavg_before_round: loadBefore,
    loadavg_after_round: loadavg(),
    // the niceness the process ran at (os.getPriority), so a quiet-moment run says how it was favoured
    niceness: String(getPriority()),
  };
}

/* ---------------- the report ---------------- */

const show = (v: number | null, limit: number) => (v === null ? `>${limit.toLocaleString('en')}` : v.toLocaleString('en', { maximumFractionDigits: 1 }));
const fmt = (s: Summary, limit: number) => `${show(s.median, limit)} [${show(s.q1, limit)}–${show(s.q3, limit)}]`;
const loads = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
function optimumText(t: TaskResult): string {
  const at = t.optimum_at!;
  return t.parameters
    .map((p, i) => {
      const v = Array.isArray(at) ? at[i]! : at[p.name]!;
      const unit = 'unit' in p && p.unit ? ` ${p.unit}` : '';
      return `${p.name} ${typeof v === 'number' ? v.toPrecision(4) : v}${unit}`;
    })
    .join(', ');
}

function render(parts: Part[]): { json: Record<string, unknown>; md: string } {
  const tasks = parts.flatMap((p) => p.tasks).map(summarised);
  const scalePart = parts.find((p) => p.scale);
  const scale = scalePart?.scale;
  const settings = parts.find((p) => p.tasks.length > 0)?.settings ?? parts[0]!.settings;
  const m = parts[0]!.machine;
  const lines: string[] = [
    '# bench:continuous',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores shared with other engineers' work, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. Runs (load average 1/5/15 min at start → end):`,
    ...parts.map((p) => `- \`${p.command}\`: ${p.tasks.map((t) => t.task).join(', ') || ''}${p.scale ? `${p.tasks.length ? ', ' : ''}scale round` : ''}; load ${loads(p.loadavg_start)} → ${loads(p.loadavg_end)}; ${p.seconds.toFixed(0)} s`),
    '',
    `Experiments until a result reaches 95 % / 99 % of the task's known optimum; ${settings.seeds} seeds, budget ${settings.budget}, batch ${settings.batch}. Median [IQR]; a run that missed counts as beyond its budget (planners) or its draw limit (random / Sobol search), and a quantile that falls on a miss is shown as ">budget".`,
    '- **mixed-space planner**: src/planner/mixed/ on the continuous (or mixed) space (EI, raw scrambled-Sobol samples plus samples around the 5 best results, then multi-start L-BFGS of the acquisition, batch by local penalisation), GP refitted after every batch, 8 space-filling Sobol experiments first;',
    '- **grid planner**: Athanor\'s discrete planner (BayesianRecommender: diverse initial design of 8, then the same EI and GP over every untried grid point) on the same space discretised on a grid; it stops once it has found the grid\'s best point (nothing better exists for it);',
    '- **random / Sobol search**: uniform random points (seeded) and a scrambled Sobol sequence (seeded scrambling), one point at a time.',
    '',
    '| Task | Mixed-space planner to 95 % | Grid planner to 95 % | Random to 95 % | Sobol to 95 % | Random / mixed-space planner (target ≥ 5×) |',
    '|---|---|---|---|---|---|',
  ];
  for (const t of tasks) {
    const ratio = t.ratio_random_over_planner_95pct === null ? 'planner missed' : `${t.random.to95.median === null ? '>' : ''}${t.ratio_random_over_planner_95pct.toFixed(1)}× ${t.target_5x_met ? '(met)' : '(**not met**)'}`;
    lines.push(`| ${t.task} | ${fmt(summary(t.per_seed.map((r) => r.to95)), settings.budget)} | ${fmt(t.grid.to95, settings.budget)} | ${fmt(t.random.to95, t.random.limit)} | ${fmt(t.sobol.to95, t.sobol.limit)} | ${ratio} |`);
  }
  lines.push('', '| Task | Mixed-space planner to 99 % | Grid planner to 99 % | Random to 99 % | Sobol to 99 % | Mixed-space planner misses 95 % / 99 % |', '|---|---|---|---|---|---|');
  for (const t of tasks) {
    lines.push(`| ${t.task} | ${fmt(summary(t.per_seed.map((r) => r.to99)), settings.budget)} | ${fmt(t.grid.to99, settings.budget)} | ${fmt(t.random.to99, t.random.limit)} | ${fmt(t.sobol.to99, t.sobol.limit)} | ${t.planner_missed_95pct} / ${t.planner_missed_99pct} of ${t.per_seed.length} |`);
  }
  lines.push('', '| Task | Known optimum | Grid | Grid\'s best point | Best reached per seed (% of optimum), mixed-space planner | Grid planner |', '|---|---|---|---|---|---|');
  for (const t of tasks) {
    const at = t.optimum_at ? ` at ${optimumText(t)}` : '';
    const bests = (runs: RunOutcome[]) => runs.map((r) => (100 * r.best).toFixed(1)).join(', ');
    lines.push(`| ${t.task}: ${t.description} | ${t.optimum.toPrecision(6)}${at} | ${t.grid.note} | ${t.grid.best_point_pct.toFixed(1)} % | ${bests(t.per_seed)} | ${bests(t.grid.per_seed)} |`);
  }
  if (scale) {
    lines.push(
      '',
      `## Scale: ${scale.combinations.toExponential(2)} discrete combinations × ${scale.continuous} continuous conditions`,
      '',
      `One proposal round of ${settings.batch} with a GP fitted on ${scale.results} results (the product is never listed): **${scale.round_seconds.toFixed(2)} s** wall (${scale.round_cpu_seconds.toFixed(2)} s CPU), peak RSS of the whole process **${scale.peak_rss_mb.toFixed(0)} MB** (targets: ≤ 2 s, ≤ 1 GB); GP fit ${scale.fit_seconds.toFixed(1)} s (not part of the round). Load average just before / after the round ${loads(scale.loadavg_before_round)} / ${loads(scale.loadavg_after_round)}, process niceness ${scale.niceness} (\`${scalePart!.command}\`). Points held by the space: ${scale.registered_points}. True value of the proposals ${scale.proposals_true_value.map((v) => v.toFixed(3)).join(', ')} against the best of the 100 random results ${scale.best_of_100_results.toFixed(3)} and the optimum ${scale.optimum.toFixed(3)}.`,
    );
    const check = scale.acquisition_check;
    if (check) {
      lines.push(
        '',
        `Discrete search against exhaustive search: the first pick's EI ${check.pick_ei.toPrecision(4)}; over every combination of three roles through it (the other roles and the conditions as picked, same model) ${check.subspaces.map((s) => `${s.roles.join('/')}: ${s.points.toLocaleString('en')} points, largest EI ${s.exhaustive_max_ei.toPrecision(4)}, ${s.points_above_pick} above the pick`).join('; ')}.`,
      );
    }
  }
  const json: Record<string, unknown> = {
    ...settings,
    tasks,
    ...(scale ? { scale } : {}),
    machine: { ...m, loadavg: parts.at(-1)!.loadavg_end },
    runs: parts.map((p) => ({ tag: p.tag, command: p.command, tasks: p.tasks.map((t) => t.task), scale: Boolean(p.scale), loadavg_start: p.loadavg_start, loadavg_end: p.loadavg_end, seconds: p.seconds })),
    seconds: parts.reduce((s, p) => s + p.seconds, 0),
  };
  return { json, md: lines.join('\n') };
}

/* ---------------- main ---------------- */

const merge = option('merge');
if (merge) {
  const parts = merge.split(',').map((tag) => JSON.parse(readFileSync(partPath(tag), 'utf8')) as Part);
  const { json, md } = render(parts);
  writeResults('continuous', json, md);
} else {
  const started = Date.now();
  const loadStart = loadavg();
  const tasks: TaskResult[] = [];
  if (!flag('scale-only')) for (const task of await continuousTasks(taskNames)) tasks.push(await runTask(task));
  const scale = flag('no-scale') ? undefined : await runScale();
  const tag = option('tag') ?? 'all';
  const part: Part = {
    tag,
    settings: { seeds, budget, batch },
    tasks,
    ...(scale ? { scale } : {}),
    machine: machine(),
    loadavg_start: loadStart,
    loadavg_end: loadavg(),
    seconds: (Date.now() - started) / 1000,
    command: `npm run bench:continuous -- ${process.argv.slice(2).join(' ')}`.trim(),
  };
  if (option('tag')) {
    writeFileSync(partPath(tag), `${JSON.stringify(part, null, 2)}\n`);
    console.log(render([part]).md);
    console.log(`\nwritten: bench/results/continuous.part-${tag}.json`);
  } else {
    const { json, md } = render([part]);
    writeResults('continuous', json, md);
  }
}
