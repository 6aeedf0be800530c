/**
 * Campaign-loop benchmark for the model-free strategies (the initial designs), on the published
 * datasets: experiments needed to first reach a top-1 % reaction and the dataset maximum, best
 * yield after 10/25/50 experiments, and the cost of one planning cycle. Then one whole campaign
 * through the real machine and PGlite, for the wall time of a full loop cycle.
 *
 *   npm run bench:loop [-- --seeds 20 --budget 100]
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildSpace, openCampaign, recommenderFor } from '../src/agent/index.js';
import { openDatabase } from '../src/db/index.js';
import { DatasetSimulator } from '../src/lab-adapters/dataset-simulator.js';
import type { Observation } from '../src/planner/recommender.js';
import { readCsv } from '../src/util/csv.js';
import { datasetCampaign, datasetPath, machine, quantile, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: { seeds: { type: 'string', default: '20' }, budget: { type: 'string', default: '100' }, batch: { type: 'string', default: '5' } },
});
const SEEDS = Number(args.seeds);
const BUDGET = Number(args.budget);
const BATCH = Number(args.batch);

const CASES = [
  { name: 'direct_arylation', example: 'direct-arylation.yaml', file: 'direct_arylation.csv' },
  { name: 'buchwald_hartwig', example: 'buchwald-hartwig.yaml', file: 'buchwald_hartwig_3955.csv' },
];

function specFor(example: string, dataset: string) {
  return datasetCampaign(example, dataset, BUDGET, BATCH);
}

interface Run {
  toTop1: number | null;
  toMax: number | null;
  bestAt: Record<number, number>;
  cycleSeconds: number[];
}

function median(xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

async function main() {
  const results: Record<string, unknown> = { machine: machine(), seeds: SEEDS, budget: BUDGET, batch: BATCH, datasets: {} };
  const table: string[] = [
    `Campaign loop, model-free strategies: ${SEEDS} seeds, batch ${BATCH}, budget ${BUDGET}. Machine: ${machine().cpu}, ${machine().cores} cores, Node ${process.version}.`,
    '',
    '| dataset | strategy | median to top-1 % (IQR) | never reached | median to max | best @10 | best @25 | best @50 | planning cycle (ms) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of CASES) {
    const { path, origin } = datasetPath(c.file);
    const spec = await specFor(c.example, path);
    const space = await buildSpace(spec);
    const { rows } = await readCsv(path);
    const lab = spec.lab;
    const simulator = new DatasetSimulator({
      rows,
      source: path,
      keyOfRow: (row) => space.keyOfRow(row, lab.columns),
      results: lab.results,
      seed: 0,
      capacity: 1,
    });
    const reference = simulator.reference('yield');
    const truth = new Map<number, number>();
    for (const row of rows) {
      const key = space.keyOfRow(row, lab.columns);
      const index = key === null ? undefined : space.indexOfKey(key);
      if (index !== undefined) truth.set(index, Number(row[lab.results.yield as string]));
    }
    const perStrategy: Record<string, unknown> = {};
    for (const strategy of ['diverse', 'random'] as const) {
      const recommender = recommenderFor({ ...spec, planner: { ...spec.planner, strategy } });
      const runs: Run[] = [];
      for (let seed = 0; seed < SEEDS; seed++) {
        const taken = new Set<number>();
        const observations: Observation[] = [];
        const run: Run = { toTop1: null, toMax: null, bestAt: {}, cycleSeconds: [] };
        let best = -Infinity;
        for (let round = 1; observations.length < BUDGET; round++) {
          const t0 = performance.now();
          const { proposals } = await recommender.recommend({ space, count: Math.min(BATCH, BUDGET - observations.length), seed, round, observations, pending: [], taken, direction: 'maximize' });
          run.cycleSeconds.push((performance.now() - t0) / 1000);
          if (proposals.length === 0) break;
          for (const p of proposals) {
            taken.add(p.candidate);
            const value = truth.get(p.candidate) ?? Number.NaN;
            observations.push({ candidate: p.candidate, value });
            best = Math.max(best, value);
            const n = observations.length;
            if (run.toTop1 === null && value >= reference.top1Threshold) run.toTop1 = n;
            if (run.toMax === null && value >= reference.max - 1e-9) run.toMax = n;
            if (n === 10 || n === 25 || n === 50) run.bestAt[n] = best;
          }
        }
        runs.push(run);
      }
      const top1 = runs.map((r) => r.toTop1 ?? BUDGET + 1).sort((a, b) => a - b);
      const max = runs.map((r) => r.toMax ?? BUDGET + 1).sort((a, b) => a - b);
      const summary = {
        median_to_top1: quantile(top1, 0.5),
        iqr_to_top1: [quantile(top1, 0.25), quantile(top1, 0.75)],
        never_top1: runs.filter((r) => r.toTop1 === null).length,
        median_to_max: quantile(max, 0.5),
        best_at: Object.fromEntries([10, 25, 50].map((n) => [n, median(runs.map((r) => r.bestAt[n] ?? Number.NaN))])),
        cycle_seconds: median(runs.flatMap((r) => r.cycleSeconds)),
        note: `values above ${BUDGET} mean "not reached within the budget"`,
      };
      perStrategy[strategy] = summary;
      const fmt = (x: number) => (x > BUDGET ? `>${BUDGET}` : String(x));
      table.push(
        `| ${c.name} | ${strategy} | ${fmt(summary.median_to_top1)} (${summary.iqr_to_top1.map(fmt).join('–')}) | ${summary.never_top1}/${SEEDS} | ${fmt(summary.median_to_max)} | ${summary.best_at[10]?.toFixed(1)} | ${summary.best_at[25]?.toFixed(1)} | ${summary.best_at[50]?.toFixed(1)} | ${(summary.cycle_seconds * 1000).toFixed(1)} |`,
      );
      console.error(`${c.name} ${strategy}: median ${summary.median_to_top1} experiments to a top-1 % reaction`);
    }
    (results.datasets as Record<string, unknown>)[c.name] = {
      origin,
      candidates: space.size,
      top1_threshold: reference.top1Threshold,
      max: reference.max,
      random_expectation_to_top1: (reference.count + 1) / (reference.top1Count + 1),
      strategies: perStrategy,
    };
  }

  // One whole campaign through the real machine, PGlite and the simulator: the full loop's cost.
  const home = mkdtempSync(join(tmpdir(), 'athanor-bench-'));
  try {
    const { path } = datasetPath('direct_arylation.csv');
    const spec = await specFor('direct-arylation.yaml', path);
    const database = await openDatabase({ home });
    const t0 = performance.now();
    const { runner } = await openCampaign(database.db, { spec: { ...spec, budget: { experiments: 50, batch: 5 } }, source: '', home, actor: 'bench' });
    await runner.start();
    await runner.done;
    const seconds = (performance.now() - t0) / 1000;
    await database.close();
    results.full_loop = { database: 'pglite', experiments: 50, batches: 10, wall_seconds: seconds, seconds_per_cycle: seconds / 10 };
    table.push('', `Full loop through the XState machine, PGlite and the simulator (direct arylation, 50 experiments in 10 batches): ${seconds.toFixed(2)} s, ${(seconds / 10).toFixed(3)} s per cycle (plan + dispatch + ingest).`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  writeResults('loop', results, table.join('\n'));
}

await main();
