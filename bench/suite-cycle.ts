/**
 * Where a planning cycle's time goes: one campaign through the product's loop (as bench:suite runs
 * it), with each cycle split into the machine's states (ingesting, retraining, planning) in wall
 * and process CPU time, beside the fit that preceded it. A profiling aid, not a published figure;
 * run it under `node --cpu-prof --import tsx` to see the functions.
 *
 *   npx tsx bench/suite-cycle.ts --task buchwald-hartwig --seed 1 [--budget 100] [--planner '{...}']
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { openCampaign } from '../src/agent/index.js';
import { openDatabase } from '../src/db/index.js';
import { strategySpec } from './suite/strategies.js';
import { loadTask, taskSource } from './suite/tasks.js';

const { values: args } = parseArgs({
  options: {
    task: { type: 'string', default: 'buchwald-hartwig' },
    seed: { type: 'string', default: '1' },
    budget: { type: 'string', default: '100' },
    planner: { type: 'string', default: '{}' },
  },
});
const task = await loadTask(args.task);
const spec = await strategySpec(task.file, taskSource(task), { name: 'x', planner: parseYaml(args.planner) as Record<string, unknown> }, { budget: Number(args.budget), batch: 5 });
const home = mkdtempSync(join('/dev/shm', 'athanor-cycle-'));
const database = await openDatabase({ home });
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const { runner } = await openCampaign(database.db, { spec: { ...spec, seed: Number(args.seed) }, source: '', home, actor: 'bench' });
let stored = 0;
let mark = { at: performance.now(), cpu: cpu(), state: '' };
let lastResult: { at: number; cpu: number } | undefined;
let parts: string[] = [];
runner.on('result', (r) => {
  if (r.outcome !== 'stored' && r.outcome !== 'failed') return;
  stored++;
  lastResult = { at: performance.now(), cpu: cpu() };
});
runner.on('state', (state: string) => {
  const now = { at: performance.now(), cpu: cpu() };
  if (mark.state && lastResult) parts.push(`${mark.state.replace('running.', '')} ${((now.at - mark.at) / 1000).toFixed(3)}/${(now.cpu - mark.cpu).toFixed(3)}`);
  if (state === 'running.dispatching' && lastResult) {
    console.log(`results ${stored}\tcycle wall ${((now.at - lastResult.at) / 1000).toFixed(3)} s cpu ${(now.cpu - lastResult.cpu).toFixed(3)} s\t${parts.join('  ')}`);
  }
  if (state === 'running.dispatching' || state === 'running.awaiting') parts = [];
  mark = { ...now, state };
});
await runner.start();
await runner.done;
await database.close();
rmSync(home, { recursive: true, force: true });
