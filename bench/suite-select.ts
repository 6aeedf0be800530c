/**
 * Leave-one-dataset-out selection over earlier suite runs (nothing is run again): merges the
 * per-task results of the strategies in the given suite JSON files, and for every reaction
 * dataset picks the strategy that scores best on the OTHER datasets, reporting what it achieves
 * on the held-out one. That held-out figure is the suite's headline and how defaults are chosen.
 *
 *   npm run bench:suite-select -- bench/results/suite.json bench/results/suite-kernels.json
 *                                 [--candidates default,ei] [--with-analytic] [--seeds 1,2,3] [--out suite-select]
 *
 * The runs must share budget, batch and seeds — or, with --seeds, each must hold those seeds
 * (a run stopped by --max-minutes covers fewer): every figure is then recomputed from the
 * per-seed results on exactly those seeds. A strategy name in two files must mean the same
 * planner settings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { writeResults } from './lib.js';
import { heldOutTable } from './suite/report.js';
import { censoredQuantile } from './suite/summary.js';
import { leaveOneDatasetOut, type SelectableTask } from './suite/select.js';

interface SuiteFile {
  seeds: number[];
  budget: number;
  batch: number;
  strategies: Record<string, Record<string, unknown>>;
  tasks: Record<string, SelectableTask & { strategies: Record<string, SelectableTask['strategies'][string] & { settings: unknown }> }>;
}

function main(): void {
  const { values: args, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      candidates: { type: 'string' },
      'with-analytic': { type: 'boolean', default: false },
      out: { type: 'string', default: 'suite-select' },
      seeds: { type: 'string' },
    },
  });
  const only = args.seeds?.split(',').map((s) => Number(s.trim()));
  if (only && (only.length === 0 || only.some((s) => !Number.isSafeInteger(s)))) throw new Error(`--seeds must be a list of integers, got "${args.seeds}"`);
  if (positionals.length === 0) throw new Error('give one or more suite JSON files, e.g. bench/results/suite.json');
  if (!/^[A-Za-z0-9_.-]+$/.test(args.out)) throw new Error(`--out must be a plain name, got "${args.out}"`);
  let shape: Pick<SuiteFile, 'seeds' | 'budget' | 'batch'> | undefined;
  const settings: Record<string, unknown> = {};
  const tasks: Record<string, SelectableTask> = {};
  for (const file of positionals) {
    if (!existsSync(file)) throw new Error(`${file}: no such file`);
    const run = JSON.parse(readFileSync(file, 'utf8')) as SuiteFile;
    if (only) restrictToSeeds(run, only, file);
    const here = { seeds: run.seeds, budget: run.budget, batch: run.batch };
    if (!shape) shape = here;
    else if (!isDeepStrictEqual(shape, here)) {
      throw new Error(`${file} ran with seeds/budget/batch ${JSON.stringify(here)}, the first file with ${JSON.stringify(shape)}: their figures do not compare`);
    }
    for (const [name, planner] of Object.entries(run.strategies)) {
      if (name in settings && !isDeepStrictEqual(settings[name], planner)) {
        throw new Error(`strategy "${name}" means ${JSON.stringify(settings[name])} in one file and ${JSON.stringify(planner)} in ${file}: rename one`);
      }
      settings[name] = planner;
    }
    for (const [name, task] of Object.entries(run.tasks)) {
      const merged = (tasks[name] ??= { kind: task.kind, random_expected: task.random_expected, strategies: {} });
      Object.assign(merged.strategies, task.strategies);
    }
  }
  const picks = leaveOneDatasetOut(tasks, {
    ...(args.candidates ? { candidates: args.candidates.split(',').map((s) => s.trim()) } : {}),
    withAnalytic: args['with-analytic'],
  });
  const budget = (shape as SuiteFile).budget;
  const markdown = [
    `# Leave-one-dataset-out selection`,
    '',
    `From ${positionals.join(', ')}: ${Object.keys(settings).length} strategies, ${picks.length} datasets, ${(shape as SuiteFile).seeds.length} seeds, budget ${budget}, batch ${(shape as SuiteFile).batch}. ` +
      'Score: median experiments to a top-1 % result (misses as budget + 1) ÷ random search\'s expected draws, averaged over the other datasets.',
    '',
    ...heldOutTable(picks, budget),
    '',
    'Strategies: ' + Object.entries(settings).map(([n, s]) => `\`${n}\` = \`${JSON.stringify(s)}\``).join(', '),
  ].join('\n');
  writeResults(args.out, { sources: positionals, ...shape, strategies: settings, held_out: picks }, markdown);
}

/** Recomputes every strategy's figures from its per-seed results on `seeds` only. */
function restrictToSeeds(run: SuiteFile, seeds: number[], file: string): void {
  const at = seeds.map((seed) => {
    const i = run.seeds.indexOf(seed);
    if (i < 0) throw new Error(`${file} has no campaigns for seed ${seed} (it ran ${run.seeds.join(',')})`);
    return i;
  });
  for (const task of Object.values(run.tasks)) {
    for (const figures of Object.values(task.strategies)) {
      const f = figures as unknown as { to_top1: (number | null)[]; median_to_top1: number | null; iqr_to_top1: [number | null, number | null]; missed: number; ratio_to_random: number };
      const toTop1 = at.map((i) => f.to_top1[i] as number | null);
      f.to_top1 = toTop1;
      f.median_to_top1 = censoredQuantile(toTop1, 0.5, run.budget);
      f.iqr_to_top1 = [censoredQuantile(toTop1, 0.25, run.budget), censoredQuantile(toTop1, 0.75, run.budget)];
      f.missed = toTop1.filter((v) => v === null).length;
      f.ratio_to_random = (f.median_to_top1 ?? run.budget + 1) / task.random_expected;
    }
  }
  run.seeds = seeds;
}

try {
  main();
} catch (error) {
  console.error(`bench:suite-select: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
