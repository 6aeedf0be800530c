/**
 * Issue 16's benchmark: Pareto campaigns through the product's own loop (openCampaign, the XState
 * runner, the campaign's per-target GP with its retraining policy, the analytic lab), exactly what
 * `athanor run` executes for a campaign file with `objective.pareto`, on the grid problems whose
 * true Pareto front is known (src/objectives/multi/problems: BraninCurrin, DTLZ2, and the SnAr
 * kinetic model of Hone et al. 2017). For each problem and seed: noisy EHVI (the default
 * `planner.pareto_acquisition`) and ParEGO (`parego`) with the same surrogate, and random search.
 *
 * Measured: hypervolume of the results so far as a fraction of the true front's (same reference
 * point for every method: the rule of reference-point.ts applied to the whole grid) after 10, 25
 * and 50 experiments, and the experiments needed to reach 95 %; median and IQR over seeds.
 *
 * Random search is not run through the loop: it needs hundreds of experiments per run to reach
 * 95 %, and the product's `random` strategy draws untried candidates uniformly, which is the same
 * as walking a uniformly shuffled grid; each seed shuffles the grid with the campaign's seed.
 *
 *   npm run bench:multiobjective [-- --problems branin-currin,snar --seeds 20 --budget 60 --batch 4
 *                                  --initial 8 --workers 2 --max-minutes 60 --budget-for dtlz2-3=110
 *                                  --resume-from bench/results/multiobjective.json]
 *
 * `--budget-for` gives a problem its own budget (a harder front needs more experiments before the
 * 95 % mark can be seen at all). `--resume-from` reuses the campaigns of an earlier results file
 * whose problem, budget, batch and initial design match this run, and runs only the missing ones.
 *
 * The lab answers without noise and with every target (the true values), so the hypervolume is
 * that of the true values at the points tried. Writes bench/results/multiobjective.{json,md}.
 * Finished campaigns are logged to $TMPDIR/athanor-bench-multiobjective.jsonl; --resume continues.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseCampaignSpec, type CampaignSpec, type ParetoAcquisitionName } from '../src/campaign/index.js';
import { hypervolumeTrace, type SolvedGridProblem, solveGridProblem } from '../src/objectives/multi/problems/grid-problem.js';
import { multiObjectiveProblem } from '../src/objectives/multi/problems/index.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { machine, quantile, ROOT, writeResults } from './lib.js';
import { formatDuration, runJobs, type CampaignJob } from './suite/pool.js';

const METHODS: ParetoAcquisitionName[] = ['ehvi', 'parego'];
const CHECKPOINTS = [10, 25, 50];
const FRACTION = 0.95;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

/** The campaign file for one problem, method and seed: the problem's grid as the search space. */
async function campaignFor(solved: SolvedGridProblem, method: ParetoAcquisitionName, seed: number, budget: number, batch: number, initial: number): Promise<CampaignSpec> {
  const problem = solved.problem;
  const file = {
    name: `${problem.name} ${method} seed ${seed}`,
    objective: {
      pareto: problem.targets.map((t) => ({ target: t.name, direction: t.direction === 'maximise' ? 'maximize' : 'minimize' })),
    },
    space: { numeric: Object.fromEntries(problem.variables.map((v) => [v.name, { values: [...v.levels] }])) },
    budget: { experiments: budget, batch },
    seed,
    planner: { strategy: 'bayesian', pareto_acquisition: method, initial_results: initial },
    lab: { type: 'analytic', function: problem.name, noise_sd: 0 },
  };
  return parseCampaignSpec(stringify(file), { baseDir: ROOT, format: 'yaml', fileName: `${problem.name}.yaml` });
}

/** Hypervolume fraction of the true front after each experiment (results missing a target add nothing). */
function fractions(solved: SolvedGridProblem, rows: (Record<string, number> | null)[]): number[] {
  const names = solved.problem.targets.map((t) => t.name);
  const points = rows.map((row) => {
    const y = names.map((n) => row?.[n]);
    // A result without every target is not on any front: a point at the reference adds no volume.
    return y.every((v) => v !== undefined && Number.isFinite(v)) ? (y as number[]) : solved.reference.slice();
  });
  return hypervolumeTrace(solved, points).map((hv) => hv / solved.frontHypervolume);
}

function reached(trace: readonly number[]): number | null {
  const k = trace.findIndex((f) => f >= FRACTION);
  return k < 0 ? null : k + 1;
}

interface Run {
  problem: string;
  method: string;
  seed: number;
  /** Experiments to 95 % of the front's hypervolume; null: not within the budget. */
  toTarget: number | null;
  /** Hypervolume fraction after each checkpoint (null beyond the run). */
  atCheckpoints: (number | null)[];
  wallSeconds?: number;
  experiments: number;
  /** The campaign's budget (absent in files written before per-problem budgets: the file's budget). */
  budget?: number;
}

/** `dtlz2-3=110,snar=80` → budget per problem. */
function budgetsFor(text: string | undefined): Map<string, number> {
  const budgets = new Map<string, number>();
  for (const part of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!name || value === undefined) throw new Error(`--budget-for expects problem=experiments, got "${part}"`);
    budgets.set(name, positiveInt('budget-for', value));
  }
  return budgets;
}

/** Campaign runs of an earlier results file that this run would repeat exactly. */
function reusableRuns(path: string, budgetOf: (problem: string) => number, batch: number, initial: number): Run[] {
  const earlier = JSON.parse(readFileSync(path, 'utf8')) as { budget: number; batch: number; initial: number; runs: Run[] };
  if (earlier.batch !== batch || earlier.initial !== initial) return [];
  return earlier.runs
    .filter((r) => r.method !== 'random')
    .map((r) => ({ ...r, budget: r.budget ?? earlier.budget }))
    .filter((r) => r.budget === budgetOf(r.problem));
}

function summarise(values: (number | null)[], censorAt: number) {
  const sorted = values.map((v) => v ?? censorAt).sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    q25: quantile(sorted, 0.25),
    q75: quantile(sorted, 0.75),
    unreached: values.filter((v) => v === null).length,
    runs: values.length,
  };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      problems: { type: 'string', default: 'branin-currin,snar,dtlz2-2,dtlz2-3' },
      seeds: { type: 'string', default: '20' },
      budget: { type: 'string', default: '60' },
      batch: { type: 'string', default: '4' },
      initial: { type: 'string', default: '8' },
      workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      'max-minutes': { type: 'string' },
      'budget-for': { type: 'string' },
      resume: { type: 'boolean', default: false },
      'resume-from': { type: 'string' },
    },
  });
  const seeds = Array.from({ length: positiveInt('seeds', args.seeds) }, (_, i) => i + 1);
  const budget = positiveInt('budget', args.budget);
  const budgets = budgetsFor(args['budget-for']);
  const budgetOf = (problem: string) => budgets.get(problem) ?? budget;
  const batch = positiveInt('batch', args.batch);
  const initial = positiveInt('initial', args.initial);
  const problems = args.problems.split(',').map((p) => p.trim()).filter(Boolean);
  const solvedByName = new Map(problems.map((name) => [name, solveGridProblem(multiObjectiveProblem(name))]));
  const logPath = join(tmpdir(), 'athanor-bench-multiobjective.jsonl');
  const started = Date.now();
  const loadStart = loadavg();

  const runs: Run[] = [];
  if (args.resume && existsSync(logPath)) {
    for (const line of readFileSync(logPath, 'utf8').split('\n')) if (line.trim()) runs.push(JSON.parse(line) as Run);
    console.error(`resumed ${runs.length} campaigns from ${logPath}`);
  } else writeFileSync(logPath, '');
  let reusedNote = '';
  if (args['resume-from']) {
    const known = new Set(runs.map((r) => `${r.problem}/${r.method}/${r.seed}`));
    const earlier = reusableRuns(args['resume-from'], budgetOf, batch, initial).filter((r) => problems.includes(r.problem) && seeds.includes(r.seed) && !known.has(`${r.problem}/${r.method}/${r.seed}`));
    for (const run of earlier) appendFileSync(logPath, `${JSON.stringify(run)}\n`);
    runs.push(...earlier);
    console.error(`reused ${earlier.length} campaigns from ${args['resume-from']}`);
    if (earlier.length) reusedNote = `${earlier.length} of the campaigns were reused from the earlier \`${args['resume-from']}\` (same problem, budget, batch and initial design; run on ${(JSON.parse(readFileSync(args['resume-from'], 'utf8')) as { date: string }).date.slice(0, 10)}); the load figures are this run's.`;
  }
  const done = new Set(runs.map((r) => `${r.problem}/${r.method}/${r.seed}`));

  // Seeds outermost, so a run stopped by --max-minutes covers the first seeds of every problem and method.
  const jobs: CampaignJob[] = [];
  for (const seed of seeds) {
    for (const [name, solved] of solvedByName) {
      for (const method of METHODS) {
        const id = `${name}/${method}/${seed}`;
        if (done.has(id)) continue;
        jobs.push({ id, group: `${name}/${method}`, spec: await campaignFor(solved, method, seed, budgetOf(name), batch, initial) });
      }
    }
  }
  console.error(`${jobs.length} campaigns on ${args.workers} workers (load average ${loadStart.map((l) => l.toFixed(1)).join(' ')})`);
  const traces = await runJobs(jobs, {
    workers: positiveInt('workers', args.workers),
    ...(args['max-minutes'] ? { deadline: started + positiveInt('max-minutes', args['max-minutes']) * 60_000 } : {}),
    onDone: ({ job, trace, finished, total, etaSeconds }) => {
      const [problem, method, seed] = job.id.split('/') as [string, string, string];
      const solved = solvedByName.get(problem)!;
      if (!trace.allValues) throw new Error(`campaign ${job.id} returned no target values`);
      const trace95 = fractions(solved, trace.allValues);
      const run: Run = {
        problem,
        method,
        seed: Number(seed),
        toTarget: reached(trace95),
        atCheckpoints: CHECKPOINTS.map((c) => trace95[c - 1] ?? null),
        wallSeconds: trace.wallSeconds,
        experiments: trace.allValues.length,
        budget: budgetOf(problem),
      };
      runs.push(run);
      appendFileSync(logPath, `${JSON.stringify(run)}\n`);
      console.error(`${finished}/${total} ${job.id}: 95 % after ${run.toTarget ?? `>${budgetOf(problem)}`} (${trace.wallSeconds.toFixed(0)} s; ${trace.status}; about ${formatDuration(etaSeconds)} left)`);
    },
  });
  void traces;

  // Random search: the grid in a random order per seed, to the end if need be.
  for (const [name, solved] of solvedByName) {
    for (const seed of seeds) {
      const order = shuffled(solved.values.map((_, i) => i), rngFor(seed, 'bench-multiobjective-random', name));
      const names = solved.problem.targets.map((t) => t.name);
      const trace = fractions(solved, order.map((i) => Object.fromEntries(names.map((n, j) => [n, solved.values[i]![j]!]))));
      runs.push({ problem: name, method: 'random', seed, toTarget: reached(trace), atCheckpoints: CHECKPOINTS.map((c) => trace[c - 1] ?? null), experiments: order.length });
    }
  }

  // Only seeds every method finished on a problem count, so the methods are compared on the same seeds.
  const tasks = problems.map((name) => {
    const solved = solvedByName.get(name)!;
    const complete = seeds.filter((seed) => METHODS.every((m) => runs.some((r) => r.problem === name && r.method === m && r.seed === seed)));
    const of = (method: string) => runs.filter((r) => r.problem === name && r.method === method && complete.includes(r.seed));
    const byMethod = Object.fromEntries(['ehvi', 'parego', 'random'].map((method) => {
      const rs = of(method);
      return [method, {
        to95: summarise(rs.map((r) => r.toTarget), budgetOf(name) + 1),
        hvFraction: CHECKPOINTS.map((c, k) => {
          const v = rs.map((r) => r.atCheckpoints[k]).filter((x): x is number => x !== null).sort((a, b) => a - b);
          return { experiments: c, median: quantile(v, 0.5), q25: quantile(v, 0.25), q75: quantile(v, 0.75), runs: v.length };
        }),
        wallSecondsMedian: quantile(rs.map((r) => r.wallSeconds ?? NaN).filter(Number.isFinite).sort((a, b) => a - b), 0.5),
      }];
    }));
    const ehvi = byMethod.ehvi!.to95;
    const random = byMethod.random!.to95;
    return {
      task: name,
      budget: budgetOf(name),
      grid: solved.points.length,
      frontPoints: solved.frontIndices.length,
      frontHypervolume: solved.frontHypervolume,
      reference: solved.reference,
      seeds: complete,
      median_to_95pct_hv: ehvi.unreached * 2 > ehvi.runs ? null : ehvi.median,
      parego_median_to_95pct_hv: byMethod.parego!.to95.unreached * 2 > byMethod.parego!.to95.runs ? null : byMethod.parego!.to95.median,
      random_median_to_95pct_hv: random.median,
      random_over_ehvi: random.median / ehvi.median,
      target_met: ehvi.unreached * 2 <= ehvi.runs && random.median / ehvi.median >= 3,
      methods: byMethod,
    };
  });

  const loadEnd = loadavg();
  const minutes = (Date.now() - started) / 60_000;
  const cell = (s: ReturnType<typeof summarise>, problem: string) =>
    s.runs === 0 ? '–' : `${s.median} (${s.q25}–${s.q75})${s.unreached ? `, ${s.unreached}/${s.runs} not by ${budgetOf(problem)}` : ''}`;
  const budgetText = budgets.size ? `budget ${budget} (${[...budgets].map(([p, b]) => `${p}: ${b}`).join(', ')})` : `budget ${budget}`;
  const hvCell = (h: { median: number; runs: number }) => (h.runs ? `${(100 * h.median).toFixed(1)} %` : '–');
  const m = machine();
  const markdown = [
    '# Several objectives through the product loop: experiments to 95 % of the true front\'s hypervolume',
    '',
    `\`npm run bench:multiobjective -- ${process.argv.slice(2).join(' ')}\`. Each campaign is a campaign file with`,
    `\`objective.pareto\` run by the product's loop (openCampaign, runner, per-target GP, analytic lab without noise), batch ${batch},`,
    `${initial} results from the initial design, ${budgetText}; seeds per problem: ${tasks.map((t) => `${t.task} ${t.seeds.length}`).join(', ')} (the seeds every method finished).`,
    'Median (IQR) of experiments to 95 % of the true front\'s hypervolume; a run that had not reached it within its budget counts as the budget + 1.',
    'Random search walks the grid in a seeded random order (what the `random` strategy does), to the end.',
    ...(reusedNote ? [reusedNote] : []),
    `Machine: ${m.cpu}, ${m.cores} cores (shared with other work), ${m.memoryGiB} GiB, Node ${m.node}; load average ${loadStart[0]!.toFixed(1)} at the start, ${loadEnd[0]!.toFixed(1)} at the end; ${minutes.toFixed(0)} min.`,
    '',
    '| problem | grid | budget | EHVI | ParEGO | random | random / EHVI | ≥ 3× |',
    '|---|---|---|---|---|---|---|---|',
    ...tasks.map((t) => `| ${t.task} | ${t.grid} | ${t.budget} | ${cell(t.methods.ehvi!.to95, t.task)} | ${cell(t.methods.parego!.to95, t.task)} | ${cell(t.methods.random!.to95, t.task)} | ${t.random_over_ehvi.toFixed(1)}× | ${t.target_met ? 'yes' : 'no'} |`),
    '',
    'Median hypervolume as a fraction of the true front\'s after 10 / 25 / 50 experiments:',
    '',
    '| problem | EHVI | ParEGO | random |',
    '|---|---|---|---|',
    ...tasks.map((t) => `| ${t.task} | ${['ehvi', 'parego', 'random'].map((k) => t.methods[k]!.hvFraction.map(hvCell).join(' / ')).join(' | ')} |`),
    '',
    'Median wall time of one campaign: ' + tasks.map((t) => `${t.task} EHVI ${t.methods.ehvi!.wallSecondsMedian.toFixed(0)} s, ParEGO ${t.methods.parego!.wallSecondsMedian.toFixed(0)} s`).join('; ') + '.',
  ].join('\n');
  writeResults('multiobjective', { machine: m, load: { start: loadStart, end: loadEnd }, date: new Date().toISOString(), minutes, budget, batch, initial, fraction: FRACTION, checkpoints: CHECKPOINTS, tasks, runs }, markdown);
}

main().catch((error: unknown) => {
  console.error(`bench:multiobjective: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
