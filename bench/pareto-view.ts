/**
 * What the panel's and API's Pareto view costs and shows (src/server/pareto-view.ts, issue 16):
 *   1. random search's reference for each grid problem at a budget of 60: drawing the Monte Carlo
 *      runs (once per campaign file) and how long it holds the event loop, then the hypervolume
 *      curves of 60 results and of every run;
 *   2. the shipped examples/branin-currin-pareto.yaml through the product loop for a few seeds: the
 *      campaign's hypervolume after 8/16/24 results beside random search's expectation on the same
 *      lab, and how long paretoView takes (first call, then cached).
 * Small and quick (about a minute); prints one JSON line per row.
 *
 *   npx tsx bench/pareto-view.ts [--problems branin-currin,dtlz2-3,snar] [--seeds 1,2,3,4,5]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { openCampaign } from '../src/agent/index.js';
import { parseCampaignSpec } from '../src/campaign/index.js';
import { getCampaign, openDatabase } from '../src/db/index.js';
import { campaignFront, expectedRandomHypervolume } from '../src/objectives/multi/campaign-front.js';
import { multiObjectiveProblem } from '../src/objectives/multi/problems/index.js';
import { randomParetoRuns, type RandomRuns } from '../src/server/pareto-random.js';
import { paretoView } from '../src/server/pareto-view.js';
import { ROOT, machine } from './lib.js';

const { values: args } = parseArgs({ options: { problems: { type: 'string', default: 'branin-currin,dtlz2-3,snar' }, seeds: { type: 'string', default: '1,2,3,4,5' } } });
console.log(JSON.stringify({ machine: machine() }));

const BUDGET = 60;
for (const name of args.problems!.split(',')) {
  const problem = multiObjectiveProblem(name);
  const spec = await parseCampaignSpec(
    stringify({
      name,
      objective: { pareto: problem.targets.map((t) => ({ target: t.name, direction: t.direction === 'maximise' ? 'maximize' : 'minimize' })) },
      space: { numeric: Object.fromEntries(problem.variables.map((v) => [v.name, { values: [...v.levels] }])) },
      budget: { experiments: BUDGET, batch: 4 },
      seed: 1,
      lab: { type: 'analytic', function: name },
    }),
    { baseDir: ROOT, format: 'yaml' },
  );
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  let t = performance.now();
  const drawn = (await randomParetoRuns(spec, BUDGET)) as RandomRuns;
  const drawMs = performance.now() - t;
  lag.disable();
  const targets = problem.targets.map((x) => ({ name: x.name, direction: x.direction }));
  // a campaign's 60 results: the first run's draws stand in for them
  const results = drawn.runs[0]!.map((values, i) => ({ seq: i + 1, values }));
  t = performance.now();
  const front = campaignFront(results, targets);
  const frontMs = performance.now() - t;
  t = performance.now();
  expectedRandomHypervolume(drawn.runs, targets, [], front.reference!, BUDGET);
  const curveMs = performance.now() - t;
  console.log(
    JSON.stringify({
      problem: name,
      runs: drawn.runs.length,
      budget: BUDGET,
      drawMs: Math.round(drawMs),
      maxEventLoopDelayMs: Math.round(lag.max / 1e6),
      campaignCurveOf60Ms: +frontMs.toFixed(1),
      randomCurveAllRunsMs: Math.round(curveMs),
    }),
  );
}

const home = mkdtempSync(join(tmpdir(), 'athanor-pareto-view-'));
const database = await openDatabase({ home });
const text = readFileSync(join(ROOT, 'examples', 'branin-currin-pareto.yaml'), 'utf8');
const round = (x: number | null | undefined) => (x === null || x === undefined ? null : +x.toFixed(1));
for (const seed of args.seeds!.split(',').map(Number)) {
  const spec = await parseCampaignSpec(text.replace(/^seed: \d+$/m, `seed: ${seed}`), { baseDir: join(ROOT, 'examples') });
  const started = Date.now();
  const { runner } = await openCampaign(database.db, { spec, source: text, home, actor: 'bench' });
  await runner.start();
  await runner.done;
  const row = (await getCampaign(database.db, runner.campaignId))!;
  let t = performance.now();
  const view = await paretoView(database.db, row);
  const firstMs = performance.now() - t;
  t = performance.now();
  await paretoView(database.db, row);
  const againMs = performance.now() - t;
  const at = (n: number) => [round(view.hypervolume[n - 1]?.value), round(view.random?.hypervolume[n - 1])];
  console.log(
    JSON.stringify({
      example: 'branin-currin-pareto',
      seed,
      campaignS: Math.round((Date.now() - started) / 1000),
      front: view.front.length,
      incomplete: view.incomplete.length,
      infeasible: view.infeasible.length,
      hvAndRandomAt8: at(8),
      hvAndRandomAt16: at(16),
      hvAndRandomAt24: at(24),
      viewFirstMs: Math.round(firstMs),
      viewAgainMs: Math.round(againMs),
    }),
  );
}
await database.close();
rmSync(home, { recursive: true, force: true });
