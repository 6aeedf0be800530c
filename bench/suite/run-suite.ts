/**
 * The benchmark suite: every task × strategy × seed as a campaign through the product's loop,
 * then per task and strategy the suite's figures, random search's exact expectation, and the
 * leave-one-dataset-out pick. bench/suite.ts is its command line; tests call it directly.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { relative } from 'node:path';
import { ROOT } from '../lib.js';
import { formatDuration, runJobs, type CampaignJob } from './pool.js';
import type { CampaignTrace } from './run-campaign.js';
import { expectedDrawsToTop1, randomBestSoFar, type RandomCurve } from './random-baseline.js';
import { leaveOneDatasetOut, type HeldOutPick } from './select.js';
import { strategySpec, type Strategy } from './strategies.js';
import { strategyFigures, type StrategyFigures } from './summary.js';
import { loadTask, taskNames, taskSource, TASKS_DIR, type Landscape, type SuiteTask } from './tasks.js';

export interface SuiteOptions {
  tasks?: readonly string[];
  tasksDir?: string;
  seeds: readonly number[];
  budget: number;
  batch: number;
  strategies: readonly Strategy[];
  /** Child processes running campaigns (1: this process). */
  workers: number;
  /** Start no campaign after this many minutes; the figures then cover the seeds every task × strategy finished. */
  maxMinutes?: number;
  /**
   * A file each finished campaign is appended to; with `resume`, campaigns already in it (same
   * task, strategy, seed and spec) are not run again — an interrupted run continues where it stopped.
   */
  traceLog?: { path: string; resume: boolean };
  log?: (line: string) => void;
}

export interface TaskResult {
  kind: SuiteTask['kind'];
  file: string;
  direction: 'maximize' | 'minimize';
  candidates: number;
  measured: number;
  top1_threshold: number;
  top1_count: number;
  best: number;
  /** Random search's expected draws to a first top-1 % result, (N + 1) / (K + 1). */
  random_expected: number;
  /** Random search's expected best value after n experiments (exact). */
  random_best_at: Record<string, number>;
  /** The headline strategy's figures, and which strategy that is. */
  strategy: string;
  settings: Record<string, unknown>;
  median_to_top1: number | null;
  iqr_to_top1: [number | null, number | null];
  missed: number;
  cycle_seconds: StrategyFigures['cycle_seconds'];
  strategies: Record<string, StrategyFigures & { settings: Record<string, unknown> }>;
}

export interface SuiteResult {
  generated: string;
  /** The commit the product code came from, and source files that differed from it (other work in progress). */
  code: { commit: string; modified: string[] };
  machine_load: { before: number[]; after: number[] };
  seeds: number[];
  /** Present when the run stopped early (--max-minutes): the seeds asked for; `seeds` holds those completed everywhere. */
  seeds_requested?: number[];
  budget: number;
  batch: number;
  workers: number;
  wall_seconds: number;
  /** Campaigns taken from the trace log of an earlier, interrupted run. */
  resumed_campaigns: number;
  headline_strategy: string;
  strategies: Record<string, Record<string, unknown>>;
  tasks: Record<string, TaskResult>;
  leave_one_dataset_out?: HeldOutPick[];
  /** Per task and strategy, best-so-far curves (one per seed) and random search's exact curve: for the plots, not written to JSON. */
  curves: Record<string, { strategies: Record<string, number[][]>; random: RandomCurve; top1: number }>;
}

function readTraceLog(path: string): Map<string, CampaignTrace> {
  const out = new Map<string, CampaignTrace>();
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const { key, trace } = JSON.parse(line) as { key: string; trace: CampaignTrace };
      out.set(key, trace);
    } catch {
      // a line cut short when the run was killed: that campaign runs again
    }
  }
  return out;
}

function codeVersion(): SuiteResult['code'] {
  // trimEnd, not trim: a porcelain line starts with its status column, which may be a space
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trimEnd();
  try {
    const modified = git('status', '--porcelain', '--', 'src', 'bench').split('\n').filter(Boolean).map((l) => l.slice(3));
    return { commit: git('rev-parse', 'HEAD'), modified };
  } catch {
    return { commit: 'unknown (not a git checkout)', modified: [] };
  }
}

function averageCurves(curves: RandomCurve[]): RandomCurve {
  const keys = ['mean', 'q25', 'median', 'q75'] as const;
  const out: RandomCurve = { mean: [], q25: [], median: [], q75: [] };
  for (const k of keys) {
    const length = curves[0]?.[k].length ?? 0;
    for (let i = 0; i < length; i++) out[k].push(curves.reduce((s, c) => s + (c[k][i] as number), 0) / curves.length);
  }
  return out;
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const code = codeVersion();
  const started = performance.now();
  const before = loadavg();
  const names = options.tasks ?? taskNames(options.tasksDir ?? TASKS_DIR);
  if (names.length === 0) throw new Error(`no tasks found in ${options.tasksDir ?? TASKS_DIR}`);
  const tasks: SuiteTask[] = [];
  for (const name of names) tasks.push(await loadTask(name, options.tasksDir));

  // Every strategy validated against every task before anything runs.
  const jobs: CampaignJob[] = [];
  const specs = new Map<string, Awaited<ReturnType<typeof strategySpec>>>();
  for (const task of tasks) {
    for (const strategy of options.strategies) {
      specs.set(`${task.name}/${strategy.name}`, await strategySpec(task.file, taskSource(task), strategy, { budget: options.budget, batch: options.batch }));
    }
  }
  // Seed-major order: after the first round every task × strategy has a time, so the estimate is sound early.
  for (const seed of options.seeds) {
    for (const task of tasks) {
      for (const strategy of options.strategies) {
        const group = `${task.name}/${strategy.name}`;
        jobs.push({ id: `${group}/${seed}`, group, spec: { ...(specs.get(group) as NonNullable<ReturnType<typeof specs.get>>), seed } });
      }
    }
  }
  log(`suite: ${tasks.length} tasks × ${options.strategies.length} strategies × ${options.seeds.length} seeds = ${jobs.length} campaigns of ${options.budget} experiments (batch ${options.batch}) on ${options.workers} worker(s)`);

  const logged = options.traceLog?.resume ? readTraceLog(options.traceLog.path) : new Map<string, CampaignTrace>();
  const keyOf = (job: CampaignJob) => `${job.id} ${createHash('sha256').update(JSON.stringify(job.spec)).digest('hex').slice(0, 16)}`;
  const resumed = new Map<string, CampaignTrace>();
  for (const job of jobs) {
    const trace = logged.get(keyOf(job));
    if (trace) resumed.set(job.id, trace);
  }
  if (resumed.size > 0) log(`resuming: ${resumed.size} campaigns from ${options.traceLog?.path}`);
  if (options.traceLog && !options.traceLog.resume) writeFileSync(options.traceLog.path, '');

  const landscapes = new Map(tasks.map((t) => [t.name, options.seeds.map((s) => t.landscape(s))]));
  const fresh = await runJobs(jobs.filter((j) => !resumed.has(j.id)), {
    workers: options.workers,
    ...(options.maxMinutes !== undefined ? { deadline: Date.now() + options.maxMinutes * 60_000 } : {}),
    onDone: ({ job, trace, finished, total, etaSeconds }) => {
      if (options.traceLog) appendFileSync(options.traceLog.path, `${JSON.stringify({ key: keyOf(job), trace })}\n`);
      const [taskName = '', strategyName = '', seed = ''] = job.id.split('/');
      const landscape = tasks.find((t) => t.name === taskName)?.landscape(Number(seed));
      const hit = landscape ? trace.values.findIndex((v) => v !== null && (landscape.direction === 'maximize' ? v >= landscape.top1Threshold : v <= landscape.top1Threshold)) : -1;
      log(
        `[${finished}/${total}] ${taskName} ${strategyName} seed ${seed}: top-1 % at ${hit < 0 ? `>${options.budget}` : hit + 1}, ` +
          `${trace.wallSeconds.toFixed(1)} s${trace.status === 'completed' ? '' : ` (${trace.status}: ${trace.outcome})`} — ETA ${formatDuration(etaSeconds)}`,
      );
    },
  });

  const traces = new Map([...resumed, ...fresh]);
  // Figures only over seeds that every task × strategy finished: the same seeds for every strategy.
  const seeds = options.seeds.filter((seed) => jobs.every((j) => j.spec.seed !== seed || traces.has(j.id)));
  if (seeds.length === 0) throw new Error('no seed finished on every task and strategy before the time limit');
  if (seeds.length < options.seeds.length) log(`stopped early: ${seeds.length} of ${options.seeds.length} seeds finished everywhere; the figures cover those`);

  const result: SuiteResult = {
    generated: new Date().toISOString(),
    code,
    machine_load: { before, after: loadavg() },
    seeds,
    ...(seeds.length < options.seeds.length ? { seeds_requested: [...options.seeds] } : {}),
    budget: options.budget,
    batch: options.batch,
    workers: options.workers,
    resumed_campaigns: resumed.size,
    wall_seconds: (performance.now() - started) / 1000,
    headline_strategy: options.strategies.some((s) => s.name === 'default') ? 'default' : (options.strategies[0] as Strategy).name,
    strategies: Object.fromEntries(options.strategies.map((s) => [s.name, s.planner])),
    tasks: {},
    curves: {},
  };
  for (const task of tasks) {
    const perSeed = (landscapes.get(task.name) as Landscape[]).filter((_, i) => seeds.includes(options.seeds[i] as number));
    const first = perSeed[0] as Landscape;
    const randomExpected = perSeed.reduce((s, l) => s + expectedDrawsToTop1(l), 0) / perSeed.length;
    // A landscape that depends on the seed (analytic peaks): random search's curve averaged over the seeds' landscapes.
    const random = averageCurves(perSeed.map((l) => randomBestSoFar(l, options.budget)));
    const strategies: TaskResult['strategies'] = {};
    const curves: Record<string, number[][]> = {};
    for (const strategy of options.strategies) {
      const group = `${task.name}/${strategy.name}`;
      const runs = seeds.map((seed) => traces.get(`${group}/${seed}`));
      if (runs.some((r) => r === undefined)) throw new Error(`missing campaigns for ${group}`);
      const { figures, curves: c } = strategyFigures(runs as NonNullable<(typeof runs)[number]>[], perSeed, options.budget, randomExpected);
      strategies[strategy.name] = { settings: strategy.planner, ...figures };
      curves[strategy.name] = c;
    }
    const headline = strategies[result.headline_strategy] as TaskResult['strategies'][string];
    result.tasks[task.name] = {
      kind: task.kind,
      file: relative(ROOT, task.file),
      direction: first.direction,
      candidates: first.values.length,
      measured: first.measured,
      top1_threshold: first.top1Threshold,
      top1_count: first.top1Count,
      best: first.best,
      random_expected: randomExpected,
      random_best_at: Object.fromEntries(Object.keys(headline.best_at).map((n) => [n, random.mean[Number(n) - 1] as number])),
      strategy: result.headline_strategy,
      settings: headline.settings,
      median_to_top1: headline.median_to_top1,
      iqr_to_top1: headline.iqr_to_top1,
      missed: headline.missed,
      cycle_seconds: headline.cycle_seconds,
      strategies,
    };
    result.curves[task.name] = { strategies: curves, random, top1: first.top1Threshold };
  }
  const datasets = Object.values(result.tasks).filter((t) => t.kind === 'dataset').length;
  if (datasets >= 2 && options.strategies.some((s) => s.name !== 'random')) result.leave_one_dataset_out = leaveOneDatasetOut(result.tasks);
  result.machine_load.after = loadavg();
  result.wall_seconds = (performance.now() - started) / 1000;
  return result;
}
