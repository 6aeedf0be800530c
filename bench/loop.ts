/**
 * Full-loop benchmark: whole campaigns through the real XState machine, PGlite, the campaign model
 * and the dataset simulator, for the wall time of a loop cycle (plan + dispatch + ingest + retrain)
 * with the default Bayesian strategy and with a model-free design. How well strategies find good
 * reactions is bench/campaign.ts's job.
 *
 *   npm run bench:loop [-- --budget 50 --batch 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openCampaign } from '../src/agent/index.js';
import { openDatabase } from '../src/db/index.js';
import { datasetCampaign, datasetPath, machine, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: { budget: { type: 'string', default: '50' }, batch: { type: 'string', default: '5' } },
});
const BUDGET = Number(args.budget);
const BATCH = Number(args.batch);

async function timeCampaign(strategy: 'bayesian' | 'diverse'): Promise<{ seconds: number; cycles: number }> {
  const home = mkdtempSync(join(tmpdir(), 'athanor-bench-'));
  try {
    const { path } = datasetPath('direct_arylation.csv');
    const base = await datasetCampaign('direct-arylation.yaml', path, BUDGET, BATCH);
    const database = await openDatabase({ home });
    const t0 = performance.now();
    const { runner } = await openCampaign(database.db, { spec: { ...base, planner: { ...base.planner, strategy } }, source: '', home, actor: 'bench' });
    await runner.start();
    await runner.done;
    const seconds = (performance.now() - t0) / 1000;
    await database.close();
    return { seconds, cycles: Math.ceil(BUDGET / BATCH) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const m = machine();
const rows: string[] = [
  `Full loop on direct arylation: ${BUDGET} experiments in batches of ${BATCH}, PGlite, dataset simulator without latency. Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}.`,
  '',
  '| strategy | wall s | s per cycle |',
  '|---|---|---|',
];
const results: Record<string, unknown> = { machine: m, budget: BUDGET, batch: BATCH, database: 'pglite' };
for (const strategy of ['bayesian', 'diverse'] as const) {
  const { seconds, cycles } = await timeCampaign(strategy);
  results[strategy] = { wall_seconds: seconds, seconds_per_cycle: seconds / cycles };
  rows.push(`| ${strategy}${strategy === 'bayesian' ? ' (default: GP + UCB, retrain every batch)' : ' (model-free)'} | ${seconds.toFixed(2)} | ${(seconds / cycles).toFixed(3)} |`);
}
writeResults('loop', results, rows.join('\n'));
