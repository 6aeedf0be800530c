/**
 * Campaign benchmark: simulated closed-loop campaigns on the published datasets, the same seeds
 * for every strategy — each acquisition function on Athanor's surrogate, the model-free designs,
 * and random search. Reports experiments to a top-1 % reaction and to the dataset maximum, best
 * yield after 10/25/50 experiments, and the wall time of a planning cycle (retrain + score +
 * select); plots median best-so-far with IQR bands.
 *
 *   npm run bench:campaign [-- --seeds 20 --budget 100 --batch 5 --strategies ei,random --datasets direct_arylation]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildSpace, recommenderFor } from '../src/agent/campaign-runtime.js';
import { modelView } from '../src/agent/campaign-model.js';
import type { CampaignSpec } from '../src/campaign/index.js';
import { DatasetSimulator } from '../src/lab-adapters/dataset-simulator.js';
import { defaultSurrogate, initTensorBackend, reactionInputOf, schemaFromSpace, type Surrogate } from '../src/models/index.js';
import type { Observation } from '../src/planner/recommender.js';
import { readCsv } from '../src/util/csv.js';
import { datasetCampaign, datasetPath, machine, quantile, ROOT, writeResults } from './lib.js';
import { bandsSvg } from './plot.js';
import { writeFileSync } from 'node:fs';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    budget: { type: 'string', default: '100' },
    batch: { type: 'string', default: '5' },
    strategies: { type: 'string', default: 'ei,ucb,pi,thompson,max_sigma,greedy,diverse,random' },
    datasets: { type: 'string', default: 'direct_arylation,buchwald_hartwig' },
  },
});
const SEEDS = Number(args.seeds);
const BUDGET = Number(args.budget);
const BATCH = Number(args.batch);
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

interface RunResult {
  toTop1: number | null;
  toMax: number | null;
  bestSoFar: number[];
  cycleSeconds: number[];
}

async function main() {
  const { backend } = await initTensorBackend();
  const out: Record<string, unknown> = { machine: machine(), backend, seeds: SEEDS, budget: BUDGET, batch: BATCH, default_strategy: DEFAULT_STRATEGY, datasets: {} };
  const table = [
    `Campaign benchmark: ${SEEDS} seeds (the same for every strategy), batch ${BATCH}, budget ${BUDGET}. Machine: ${machine().cpu}, ${machine().cores} cores, Node ${process.version}, tfjs backend ${backend}.`,
    '',
    '| dataset | strategy | median to top-1 % (IQR) | not reached | median to max | best @10 | best @25 | best @50 | cycle s (median / max) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of CASES) {
    const { path, origin } = datasetPath(c.file);
    const base = await datasetCampaign(c.example, path, BUDGET, BATCH);
    const space = await buildSpace(base);
    const { rows } = await readCsv(path);
    const simulator = new DatasetSimulator({ rows, source: path, keyOfRow: (row) => space.keyOfRow(row, base.lab.columns), results: base.lab.results, seed: 0, capacity: 1 });
    const reference = simulator.reference(base.objective.target);
    const truth = new Float64Array(space.size).fill(Number.NaN);
    for (const row of rows) {
      const key = space.keyOfRow(row, base.lab.columns);
      const index = key === null ? undefined : space.indexOfKey(key);
      if (index !== undefined) truth[index] = Number(row[base.lab.results[base.objective.target] as string]);
    }
    const schema = schemaFromSpace(space, [base.objective.target]);
    const perStrategy: Record<string, unknown> = {};
    const curves: { label: string; runs: number[][] }[] = [];
    for (const strategy of STRATEGIES) {
      const spec = strategySpec(base, strategy);
      const runs: RunResult[] = [];
      for (let seed = 0; seed < SEEDS; seed++) {
        const recommender = recommenderFor({ ...spec, seed });
        const observations: Observation[] = [];
        const taken = new Set<number>();
        const run: RunResult = { toTop1: null, toMax: null, bestSoFar: [], cycleSeconds: [] };
        let surrogate: Surrogate | undefined;
        let best = Number.NEGATIVE_INFINITY;
        for (let round = 1; observations.length < BUDGET && run.toMax === null; round++) {
          const t0 = performance.now();
          let model;
          if (spec.planner.strategy === 'bayesian' && observations.length >= (spec.planner.initial_results ?? BATCH)) {
            const next = defaultSurrogate(schema, observations.length);
            await next.fit(
              { inputs: observations.map((o) => reactionInputOf(space, o.candidate)), targets: { [base.objective.target]: observations.map((o) => o.value) } },
              { seed, ...(surrogate ? { warmStart: surrogate } : {}) },
            );
            surrogate = next;
            model = modelView(space, surrogate, base.objective.target, round);
          }
          const { proposals } = await recommender.recommend({
            space,
            count: Math.min(BATCH, BUDGET - observations.length),
            seed,
            round,
            observations,
            pending: [],
            taken,
            direction: 'maximize',
            ...(model ? { model } : {}),
          });
          run.cycleSeconds.push((performance.now() - t0) / 1000);
          if (proposals.length === 0) break;
          for (const p of proposals) {
            const value = truth[p.candidate] as number;
            taken.add(p.candidate);
            observations.push({ candidate: p.candidate, value });
            best = Math.max(best, value);
            run.bestSoFar.push(best);
            const n = observations.length;
            if (run.toTop1 === null && value >= reference.top1Threshold) run.toTop1 = n;
            if (run.toMax === null && value >= reference.max - 1e-9) run.toMax = n;
          }
        }
        // once the maximum is found nothing can improve: the curve stays flat to the budget
        while (run.bestSoFar.length < BUDGET) run.bestSoFar.push(best);
        runs.push(run);
        process.stderr.write(`${c.name} ${strategy} seed ${seed}: top-1 % at ${run.toTop1 ?? '—'}, max at ${run.toMax ?? '—'}\n`);
      }
      const censored = (x: number | null) => x ?? BUDGET + 1;
      const top1 = runs.map((r) => censored(r.toTop1)).sort((a, b) => a - b);
      const max = runs.map((r) => censored(r.toMax)).sort((a, b) => a - b);
      const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
      const cycles = runs.flatMap((r) => r.cycleSeconds);
      const summary = {
        median_to_top1: quantile(top1, 0.5),
        iqr_to_top1: [quantile(top1, 0.25), quantile(top1, 0.75)],
        not_reached_top1: runs.filter((r) => r.toTop1 === null).length,
        median_to_max: quantile(max, 0.5),
        best_at: Object.fromEntries([10, 25, 50].map((n) => [n, median(runs.map((r) => r.bestSoFar[n - 1] as number))])),
        cycle_seconds: median(cycles),
        cycle_seconds_max: Math.max(...cycles),
      };
      perStrategy[strategy] = summary;
      curves.push({ label: strategy === DEFAULT_STRATEGY ? `${strategy} (default)` : strategy, runs: runs.map((r) => r.bestSoFar) });
      const fmt = (x: number) => (x > BUDGET ? `>${BUDGET}` : String(x));
      table.push(
        `| ${c.name} | ${strategy}${strategy === DEFAULT_STRATEGY ? ' (default)' : ''} | ${fmt(summary.median_to_top1)} (${summary.iqr_to_top1.map(fmt).join('–')}) | ${summary.not_reached_top1}/${SEEDS} | ${fmt(summary.median_to_max)} | ${summary.best_at[10]?.toFixed(1)} | ${summary.best_at[25]?.toFixed(1)} | ${summary.best_at[50]?.toFixed(1)} | ${summary.cycle_seconds.toFixed(2)} / ${summary.cycle_seconds_max.toFixed(2)} |`,
      );
    }
    (out.datasets as Record<string, unknown>)[c.name] = {
      origin,
      candidates: space.size,
      top1_threshold: reference.top1Threshold,
      max: reference.max,
      random_expectation_to_top1: (reference.count + 1) / (reference.top1Count + 1),
      strategies: perStrategy,
    };
    const svg = bandsSvg({ title: `${c.name}: median best yield so far (IQR bands), ${SEEDS} seeds`, curves, budget: BUDGET, reference: { value: reference.top1Threshold, label: 'top 1 %' } });
    writeFileSync(join(ROOT, 'bench', 'results', `campaign-${c.name}.svg`), svg);
  }
  writeResults('campaign', out, table.join('\n'));
}

await main();
