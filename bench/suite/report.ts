/** Writes a suite run: JSON, one markdown table with a summary, and one plot per task. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine, ROOT } from '../lib.js';
import { bandsSvg } from '../plot.js';
import type { HeldOutPick } from './select.js';
import type { SuiteResult } from './run-suite.js';

const fmtCount = (x: number | null, budget: number) => (x === null ? `>${budget}` : Number.isInteger(x) ? String(x) : x.toFixed(1));
const fmt = (x: number, digits = 1) => x.toFixed(digits);
/** A median beyond the budget makes its ratio a lower bound. */
const ratio = (median: number | null, value: number) => `${median === null ? '>' : ''}${value.toFixed(2)}`;

/** Where a suite run's files go: bench/results/<name>.json, <name>.md and <name>/<task>.svg. */
export function suitePaths(name: string, dir = join(ROOT, 'bench', 'results')) {
  return { json: join(dir, `${name}.json`), markdown: join(dir, `${name}.md`), plots: join(dir, name) };
}

export function heldOutTable(picks: readonly HeldOutPick[], budget: number): string[] {
  return [
    '| held-out dataset | strategy chosen on the others | median to top-1 % (IQR) | missed | random expects | ÷ random | best on this dataset itself |',
    '|---|---|---|---|---|---|---|',
    ...picks.map(
      (p) =>
        `| ${p.task} | ${p.chosen} | ${fmtCount(p.median_to_top1, budget)} (${p.iqr_to_top1.map((v) => fmtCount(v, budget)).join('–')}) | ${p.missed} | ${fmt(p.random_expected)} | ${fmt(p.ratio_to_random, 2)} | ${p.best_in_sample} (${fmtCount(p.best_in_sample_median, budget)}) |`,
    ),
  ];
}

export function suiteMarkdown(result: SuiteResult, command: string): string {
  const m = machine();
  const { budget } = result;
  const seeds = result.seeds.length;
  const marks = [...new Set([25, budget])].filter((n) => n <= budget).map(String);
  const lines = [
    `# Benchmark suite`,
    '',
    `\`${command}\` — ${Object.keys(result.tasks).length} tasks, ${seeds} seeds (${result.seeds[0]}–${result.seeds[seeds - 1]}, the same for every strategy), budget ${budget}, batch ${result.batch}. ` +
      `Every campaign ran through the product's loop (openCampaign, the XState runner, the retraining policy, the campaign's own lab adapter without latency) on ${result.workers} worker process(es). ` +
      `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${result.machine_load.before.map((l) => l.toFixed(2)).join(' / ')} before and ${result.machine_load.after.map((l) => l.toFixed(2)).join(' / ')} after (1/5/15 min; other work shared the cores), wall ${(result.wall_seconds / 60).toFixed(1)} min. ${result.generated}.`,
    '',
    ...(result.seeds_requested ? [`Stopped early at the time limit: ${seeds} of the ${result.seeds_requested.length} seeds asked for finished on every task and strategy; the figures cover those.`, ''] : []),
    ...(result.resumed_campaigns > 0
      ? [`${result.resumed_campaigns} of the campaigns were taken from an earlier, interrupted run of the same settings (\`--resume\`); the code version below is this run's.`, '']
      : []),
    `Code: commit ${result.code.commit.slice(0, 10)}${result.code.modified.length ? `, with uncommitted changes (other work in progress) in ${result.code.modified.length} file(s) under src/ and bench/ — listed in the JSON` : ''}.`,
    '',
    'Experiments to a first top-1 % result: median (IQR) over the seeds, misses counted as more than the budget. Random search expects (N + 1)/(K + 1) draws (N candidates, K of them top-1 %); ÷ random is the median over that. Best values are medians over the seeds, random search\'s exact expectation beside them. A planning cycle is the time from the result that completes a batch to the dispatch of the next (retraining + planning, as the loop runs them), in wall time — which on a shared machine grows with the load of other work — and in CPU time of the process running the campaign (all its threads), which does not: what the cycle costs, and about what it takes on an idle machine; "stale" is the share of batches planned with a model trained on fewer results than were stored.',
    '',
    `| task | candidates | top-1 % from | random expects | strategy | median to top-1 % (IQR) | missed | ÷ random | ${marks.map((n) => `best @${n} (random)`).join(' | ')} | cycle s median / max | cycle s at most results | cycle CPU s at most results | stale |`,
    `|---|---|---|---|---|---|---|---|${marks.map(() => '---|').join('')}---|---|---|---|`,
  ];
  for (const [name, task] of Object.entries(result.tasks)) {
    for (const [strategy, f] of Object.entries(task.strategies)) {
      const c = f.cycle_seconds;
      lines.push(
        `| ${name}${task.kind === 'analytic' ? ' (analytic)' : ''} | ${task.candidates} | ${fmt(task.top1_threshold, 2)} | ${fmt(task.random_expected)} | ${strategy}${strategy === result.headline_strategy ? ' (headline)' : ''} | ` +
          `${fmtCount(f.median_to_top1, budget)} (${f.iqr_to_top1.map((v) => fmtCount(v, budget)).join('–')}) | ${f.missed}/${seeds} | ${ratio(f.median_to_top1, f.ratio_to_random)} | ` +
          `${marks.map((n) => `${fmt(f.best_at[n] ?? Number.NaN)} (${fmt(task.random_best_at[n] ?? Number.NaN)})`).join(' | ')} | ` +
          `${c ? `${fmt(c.median, 2)} / ${fmt(c.max, 2)}` : '—'} | ${c ? `${fmt(c.near_budget.median, 2)} / ${fmt(c.near_budget.max, 2)} (${c.near_budget.results})` : '—'} | ${c?.cpu ? `${fmt(c.cpu.near_budget.median, 2)} / ${fmt(c.cpu.near_budget.max, 2)}` : '—'} | ${c ? `${Math.round(c.stale_model_share * 100)} %` : '—'} |`,
      );
    }
  }
  lines.push('', '## Summary', '');
  const head = result.headline_strategy;
  const entries = Object.entries(result.tasks);
  const beats = entries.filter(([, t]) => {
    const median = t.strategies[head]?.median_to_top1;
    return median !== null && median !== undefined && median < t.random_expected;
  });
  const datasets = entries.filter(([, t]) => t.kind === 'dataset');
  const meanRatio = datasets.length ? datasets.reduce((s, [, t]) => s + (t.strategies[head]?.ratio_to_random ?? 0), 0) / datasets.length : Number.NaN;
  const worst = datasets.reduce<[string, number] | undefined>((w, [n, t]) => {
    const r = t.strategies[head]?.ratio_to_random ?? 0;
    return !w || r > w[1] ? [n, r] : w;
  }, undefined);
  const worstRatio = worst ? `${worst[0]} at ${fmt(worst[1] * 100, 0)} %` : '—';
  const missing = entries.filter(([, t]) => (t.strategies[head]?.missed ?? 0) > seeds / 20);
  const cycles = entries.map(([n, t]) => [n, t.strategies[head]?.cycle_seconds?.near_budget.max ?? 0] as const);
  const slowest = cycles.reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as readonly [string, number]);
  const cpuCycles = entries.map(([n, t]) => [n, t.strategies[head]?.cycle_seconds?.cpu?.near_budget.max] as const);
  const costliest = cpuCycles.every(([, v]) => v !== undefined) ? cpuCycles.reduce((a, b) => ((b[1] as number) > (a[1] as number) ? b : a)) : undefined;
  lines.push(
    `- **${head}** needs fewer experiments than random search's expectation on ${beats.length} of ${entries.length} tasks; on the reaction datasets its median to a top-1 % result is on average ${fmt(meanRatio * 100, 0)} % of random search's expected draws (misses as budget + 1; issue 14's target: ≤ 20 % on each). Worst: ${worstRatio}.`,
    `- Tasks where more than 1 seed in 20 missed within the budget: ${missing.length ? missing.map(([n, t]) => `${n} (${t.strategies[head]?.missed}/${seeds})`).join(', ') : 'none'}.`,
    `- Slowest planning cycle at the most results a campaign reaches: ${fmt(slowest[1], 2)} s wall (${slowest[0]}; target < 1 s), with the load above.`,
  );
  if (costliest) lines.push(`- Costliest planning cycle at the most results a campaign reaches: ${fmt(costliest[1] as number, 2)} s of CPU (${costliest[0]}; target < 1 s).`);
  for (const [name, target] of [['direct-arylation', 12], ['buchwald-hartwig', 15]] as const) {
    const t = result.tasks[name];
    if (t) lines.push(`- ${name}: median ${fmtCount(t.median_to_top1, budget)} experiments to a top-1 % result with ${head} (issue 14's target for the leave-one-dataset-out figure: ≤ ${target}).`);
  }
  if (result.leave_one_dataset_out) {
    lines.push(
      '',
      '## Leave-one-dataset-out',
      '',
      'For each reaction dataset, the strategy with the best mean score (median to top-1 % ÷ random search\'s expectation) on the other datasets, and what it achieves on the held-out one: the figure to quote. Only the strategies run here compete (`npm run bench:suite-select` merges several runs).',
      '',
      ...heldOutTable(result.leave_one_dataset_out, budget),
    );
  }
  return lines.join('\n');
}

export function writeSuite(result: SuiteResult, name: string, command: string, dir?: string): { json: string; markdown: string; plots: string[] } {
  const paths = suitePaths(name, dir);
  mkdirSync(paths.plots, { recursive: true });
  const { curves, ...json } = result;
  writeFileSync(paths.json, `${JSON.stringify({ command, ...json }, null, 2)}\n`);
  const markdown = suiteMarkdown(result, command);
  writeFileSync(paths.markdown, `${markdown}\n`);
  const plots: string[] = [];
  for (const [task, c] of Object.entries(curves)) {
    const file = join(paths.plots, `${task}.svg`);
    const t = result.tasks[task];
    writeFileSync(
      file,
      bandsSvg({
        title: `${task}: median best so far (IQR bands), ${result.seeds.length} seeds`,
        curves: Object.entries(c.strategies).map(([label, runs]) => ({ label, runs })),
        exact: [{ label: 'random (exact)', median: c.random.median, q25: c.random.q25, q75: c.random.q75 }],
        budget: result.budget,
        reference: { value: c.top1, label: 'top 1 %' },
        yLabel: t?.kind === 'analytic' ? 'best score so far' : 'best value so far',
      }),
    );
    plots.push(file);
  }
  return { json: paths.json, markdown: paths.markdown, plots };
}
