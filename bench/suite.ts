/**
 * The benchmark suite (issue 14): every task under bench/suite/tasks/ as whole campaigns through
 * the product's loop — the runner behind `athanor run` — for each strategy and seed. Writes
 * bench/results/<out>.json, <out>.md and one plot per task under bench/results/<out>/.
 *
 *   npm run bench:suite [-- --tasks direct-arylation,branin --seeds 20 --budget 100 --batch 5
 *                          --strategies default,random --strategy 'beta4={acquisition: ucb, beta: 4}'
 *                          --workers 2 --out suite]
 *
 * --seeds is a count (seeds 1…n) or a list such as 3,7,11; every strategy gets the same seeds.
 * --max-minutes N starts no campaign after N minutes (seeds run one after another, so the figures
 * cover the seeds finished everywhere); every finished campaign is logged to
 * $TMPDIR/athanor-bench-suite-<out>.jsonl, and --resume continues an interrupted run from it.
 * How defaults are chosen from several runs: bench/suite-select.ts (leave-one-dataset-out).
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSuite } from './suite/report.js';
import { runSuite } from './suite/run-suite.js';
import { parseStrategies } from './suite/strategies.js';

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

function parseSeeds(text: string): number[] {
  if (/^\d+$/.test(text)) return Array.from({ length: positiveInt('seeds', text) }, (_, i) => i + 1);
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isSafeInteger(s))) throw new Error(`--seeds must be a count or a list of integers, got "${text}"`);
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seeds lists a seed twice: "${text}"`);
  return seeds;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      tasks: { type: 'string' },
      seeds: { type: 'string', default: '20' },
      budget: { type: 'string', default: '100' },
      batch: { type: 'string', default: '5' },
      strategies: { type: 'string', default: 'default,random' },
      strategy: { type: 'string', multiple: true, default: [] },
      workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      out: { type: 'string', default: 'suite' },
      'max-minutes': { type: 'string' },
      resume: { type: 'boolean', default: false },
    },
  });
  if (!/^[A-Za-z0-9_.-]+$/.test(args.out)) throw new Error(`--out must be a plain name (letters, digits, . _ -), got "${args.out}"`);
  const budget = positiveInt('budget', args.budget);
  const batch = positiveInt('batch', args.batch);
  if (batch > budget) throw new Error(`--batch ${batch} is larger than --budget ${budget}`);
  const result = await runSuite({
    ...(args.tasks ? { tasks: args.tasks.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
    seeds: parseSeeds(args.seeds),
    budget,
    batch,
    strategies: parseStrategies(args.strategies, args.strategy),
    workers: positiveInt('workers', args.workers),
    ...(args['max-minutes'] ? { maxMinutes: positiveInt('max-minutes', args['max-minutes']) } : {}),
    traceLog: { path: join(tmpdir(), `athanor-bench-suite-${args.out}.jsonl`), resume: args.resume },
  });
  const command = `npm run bench:suite -- ${process.argv.slice(2).join(' ')}`.trim();
  const written = writeSuite(result, args.out, command);
  console.log(`written: ${written.json}, ${written.markdown}, ${written.plots.length} plots in bench/results/${args.out}/`);
}

main().catch((error: unknown) => {
  console.error(`bench:suite: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
