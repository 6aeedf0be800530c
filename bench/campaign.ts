/**
 * Campaign benchmark: simulated closed-loop campaigns on the published datasets, the same seeds
 * for every strategy — each acquisition function on Athanor's surrogate, the model-free designs,
 * and random search. Every campaign runs through the product's own loop (the runner behind
 * `athanor run`: the XState machine, PGlite, the retraining policy, the dataset simulator), on
 * the suite's runner (bench/suite/). Reports experiments to a top-1 % reaction and to the dataset
 * maximum, best yield after 10/25/50 experiments, and the planning cycle (from the result that
 * completes a batch to the next batch's dispatch); plots median best-so-far with IQR bands.
 *
 *   npm run bench:campaign [-- --seeds 20 --budget 100 --batch 5 --strategies ei,random --datasets direct_arylation --workers 2]
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CampaignSpec } from '../src/campaign/index.js';
import { datasetCampaign, datasetPath, machine, quantile, ROOT, writeResults } from './lib.js';
import { bandsSvg } from './plot.js';
import { formatDuration, runJobs, type CampaignJob } from './suite/pool.js';
import { expectedDrawsToTop1 } from './suite/random-baseline.js';
import { bestSoFar, censoredQuantile, cycleStats, experimentsToTop1 } from './suite/summary.js';
import { taskFromSpec } from './suite/tasks.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    budget: { type: 'string', default: '100' },
    batch: { type: 'string', default: '5' },
    strategies: { type: 'string', default: 'ei,ucb,pi,thompson,max_sigma,greedy,diverse,random' },
    datasets: { type: 'string', default: 'direct_arylation,buchwald_hartwig' },
    workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
  },
});
const SEEDS = Number(args.seeds);
const BUDGET = Number(args.budget);
const BATCH = Number(args.batch);
const WORKERS = Number(args.workers);
const STRATEGIES = args.strategies.split(',');
const DEFAULT_STRATEGY = 'ucb';

const CASES = [
  { name: 'direct_arylation', example: 'direct-arylation.yaml', file: 'direct_arylation.csv' },
  { name: 'buchwald_hartwig', example: 'buchwald-hartwig.yaml', file: 'buchwald_hartwig_3955.csv' },
].filter((c) => args.datasets.split(',').includes(c.name));

function strategySpec<S extends CampaignSpec>(base: S, strategy: string): S {
  if (strategy === 'random' || strategy === 'diverse') return { ...base, planner: { ...base.planner, strategy } };
  return { ...base, planner: { ...base.planner, strategy: 'bayesian', acquisition: strategy as CampaignSpec['planner']['acquisition'] } };
}

async function main() {
  const out: Record<string, unknown> = { machine: machine(), loop: 'product (openCampaign + runner)', seeds: SEEDS, budget: BUDGET, batch: BATCH, default_strategy: DEFAULT_STRATEGY, datasets: {} };
  const table = [
    `Campaign benchmark: ${SEEDS} seeds (0–${SEEDS - 1}, the same for every strategy), batch ${BATCH}, budget ${BUDGET}, every campaign through the product's loop (openCampaign, the XState runner, the retraining policy, the dataset simulator without latency) on ${WORKERS} worker process(es). Machine: ${machine().cpu}, ${machine().cores} cores, Node ${process.version}.`,
    '',
    '| dataset | strategy | median to top-1 % (IQR) | not reached | median to max | best @10 | best @25 | best @50 | cycle s (median / max) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const cases: { name: string; example: string; file: string; origin: string; task: Awaited<ReturnType<typeof taskFromSpec>> }[] = [];
  const jobs: CampaignJob[] = [];
  for (const c of CASES) {
    const { path, origin } = datasetPath(c.file);
    const base = await datasetCampaign(c.example, path, BUDGET, BATCH);
    const task = await taskFromSpec(c.name, base, join(ROOT, 'examples', c.example));
    cases.push({ ...c, origin, task });
    for (let seed = 0; seed < SEEDS; seed++) {
      for (const strategy of STRATEGIES) jobs.push({ id: `${c.name}/${strategy}/${seed}`, group: `${c.name}/${strategy}`, spec: { ...strategySpec(base, strategy), seed } });
    }
  }
  const traces = await runJobs(jobs, {
    workers: WORKERS,
    onDone: ({ job, trace, finished, total, etaSeconds }) => {
      const [name, strategy, seed] = job.id.split('/');
      const landscape = cases.find((c) => c.name === name)?.task.landscape(0);
      const top1 = landscape ? experimentsToTop1(trace, landscape) : null;
      process.stderr.write(`[${finished}/${total}] ${name} ${strategy} seed ${seed}: top-1 % at ${top1 ?? '—'} (${trace.wallSeconds.toFixed(1)} s) — ETA ${formatDuration(etaSeconds)}\n`);
    },
  });
  for (const c of cases) {
    const landscape = c.task.landscape(0);
    const perStrategy: Record<string, unknown> = {};
    const curves: { label: string; runs: number[][] }[] = [];
    for (const strategy of STRATEGIES) {
      const runs = Array.from({ length: SEEDS }, (_, seed) => traces.get(`${c.name}/${strategy}/${seed}`)!);
      const top1 = runs.map((r) => experimentsToTop1(r, landscape));
      const toMax = runs.map((r) => {
        const i = r.values.findIndex((v) => v !== null && v >= landscape.best - 1e-9);
        return i < 0 ? null : i + 1;
      });
      const bests = runs.map((r) => bestSoFar(r, landscape, BUDGET));
      const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
      const cycles = cycleStats(runs);
      const summary = {
        median_to_top1: censoredQuantile(top1, 0.5, BUDGET),
        iqr_to_top1: [censoredQuantile(top1, 0.25, BUDGET), censoredQuantile(top1, 0.75, BUDGET)],
        not_reached_top1: top1.filter((v) => v === null).length,
        median_to_max: censoredQuantile(toMax, 0.5, BUDGET),
        best_at: Object.fromEntries([10, 25, 50].filter((n) => n <= BUDGET).map((n) => [n, median(bests.map((b) => b[n - 1] as number))])) as Record<number, number | undefined>,
        cycle_seconds: cycles?.median ?? 0,
        cycle_seconds_max: cycles?.max ?? 0,
        stale_model_share: cycles?.stale_model_share ?? 0,
      };
      perStrategy[strategy] = summary;
      curves.push({ label: strategy === DEFAULT_STRATEGY ? `${strategy} (default)` : strategy, runs: bests });
      const fmt = (x: number | null) => (x === null ? `>${BUDGET}` : String(x));
      table.push(
        `| ${c.name} | ${strategy}${strategy === DEFAULT_STRATEGY ? ' (default)' : ''} | ${fmt(summary.median_to_top1)} (${summary.iqr_to_top1.map(fmt).join('–')}) | ${summary.not_reached_top1}/${SEEDS} | ${fmt(summary.median_to_max)} | ${[10, 25, 50].map((n) => summary.best_at[n]?.toFixed(1) ?? '—').join(' | ')} | ${summary.cycle_seconds.toFixed(2)} / ${summary.cycle_seconds_max.toFixed(2)} |`,
      );
    }
    (out.datasets as Record<string, unknown>)[c.name] = {
      origin: c.origin,
      candidates: landscape.values.length,
      top1_threshold: landscape.top1Threshold,
      max: landscape.best,
      random_expectation_to_top1: expectedDrawsToTop1(landscape),
      strategies: perStrategy,
    };
    const svg = bandsSvg({ title: `${c.name}: median best yield so far (IQR bands), ${SEEDS} seeds`, curves, budget: BUDGET, reference: { value: landscape.top1Threshold, label: 'top 1 %' } });
    writeFileSync(join(ROOT, 'bench', 'results', `campaign-${c.name}.svg`), svg);
  }
  writeResults('campaign', out, table.join('\n'));
}

await main();
