/**
 * Leave-one-dataset-out: for each reaction dataset, the strategy a user would have been given had
 * the project chosen its default without that dataset — the one best on all the OTHER datasets —
 * and what it achieves on the held-out one. This, not the best strategy per dataset, is the
 * suite's headline, and how the project chooses its defaults.
 *
 * Score of a strategy on a task: median experiments to a top-1 % result (misses as budget + 1)
 * over random search's expected draws, so that tasks of every size weigh alike; a strategy's score
 * on a set of tasks is the mean of these.
 */

export interface SelectableStrategy {
  median_to_top1: number | null;
  iqr_to_top1: [number | null, number | null];
  missed: number;
  ratio_to_random: number;
}

export interface SelectableTask {
  kind: 'dataset' | 'analytic';
  random_expected: number;
  strategies: Record<string, SelectableStrategy>;
}

export interface HeldOutPick {
  task: string;
  /** The strategy best on the other datasets. */
  chosen: string;
  /** Its mean score on the other datasets. */
  score_elsewhere: number;
  median_to_top1: number | null;
  iqr_to_top1: [number | null, number | null];
  missed: number;
  random_expected: number;
  ratio_to_random: number;
  /** For comparison: the strategy best on this task itself (what looking at the answer would pick). */
  best_in_sample: string;
  best_in_sample_median: number | null;
}

export interface SelectionOptions {
  /** Strategies that may be chosen (default: all but random search). */
  candidates?: readonly string[];
  /** Score on analytic sanity tasks too (default: reaction datasets only). */
  withAnalytic?: boolean;
}

export function leaveOneDatasetOut(tasks: Record<string, SelectableTask>, options: SelectionOptions = {}): HeldOutPick[] {
  const scored = Object.entries(tasks).filter(([, t]) => options.withAnalytic || t.kind === 'dataset');
  const everywhere = (name: string) => scored.every(([, t]) => t.strategies[name] !== undefined);
  const names = new Set(scored.flatMap(([, t]) => Object.keys(t.strategies)));
  const candidates = (options.candidates ?? [...names].filter((n) => n !== 'random')).filter(everywhere).sort();
  if (candidates.length === 0) throw new Error('no candidate strategy was run on every task');
  if (scored.length < 2) throw new Error('leave-one-dataset-out needs at least two datasets');
  return scored.map(([name, task]) => {
    const others = scored.filter(([other]) => other !== name);
    const scoreOf = (s: string) => others.reduce((sum, [, t]) => sum + (t.strategies[s] as SelectableStrategy).ratio_to_random, 0) / others.length;
    const chosen = candidates.reduce((best, s) => (scoreOf(s) < scoreOf(best) ? s : best));
    const inSample = candidates.reduce((best, s) =>
      (task.strategies[s] as SelectableStrategy).ratio_to_random < (task.strategies[best] as SelectableStrategy).ratio_to_random ? s : best,
    );
    const picked = task.strategies[chosen] as SelectableStrategy;
    return {
      task: name,
      chosen,
      score_elsewhere: scoreOf(chosen),
      median_to_top1: picked.median_to_top1,
      iqr_to_top1: picked.iqr_to_top1,
      missed: picked.missed,
      random_expected: task.random_expected,
      ratio_to_random: picked.ratio_to_random,
      best_in_sample: inSample,
      best_in_sample_median: (task.strategies[inSample] as SelectableStrategy).median_to_top1,
    };
  });
}
