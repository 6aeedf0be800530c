/**
 * From the traces of one strategy on one task to the suite's figures: experiments to a first
 * top-1 % result (median, IQR, misses), best-so-far curves, and the planning cycle time.
 */
import { quantile } from '../lib.js';
import type { CampaignTrace } from './run-campaign.js';
import { reachesTop1, type Landscape } from './tasks.js';

/** Experiment number (1-based) of the first top-1 % result, or null when none came within the budget. */
export function experimentsToTop1(trace: CampaignTrace, landscape: Landscape): number | null {
  const i = trace.values.findIndex((v) => v !== null && reachesTop1(landscape, v));
  return i < 0 ? null : i + 1;
}

/** Best value after experiment 1 … budget (a failed experiment keeps the previous best; a campaign that ended early stays flat). */
export function bestSoFar(trace: CampaignTrace, landscape: Landscape, budget: number): number[] {
  const better = (a: number, b: number) => (landscape.direction === 'maximize' ? a > b : a < b);
  const curve: number[] = [];
  let best = landscape.worst;
  for (let n = 0; n < budget; n++) {
    const v = trace.values[n];
    if (v !== undefined && v !== null && better(v, best)) best = v;
    curve.push(best);
  }
  return curve;
}

/**
 * A quantile of experiments-to-top-1 % where misses count as more than the budget: null when the
 * quantile falls on (or interpolates with) a miss, i.e. "> budget".
 */
export function censoredQuantile(values: readonly (number | null)[], q: number, budget: number): number | null {
  const sorted = values.map((v) => v ?? budget + 1).sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  if ((sorted[Math.ceil(pos)] as number) > budget) return null;
  return quantile(sorted, q);
}

export interface CycleStats {
  /** Median and maximum over every planning cycle of every seed. */
  median: number;
  max: number;
  /** The cycles planned with the most results a campaign gets to (budget − batch, e.g. 95 of 100). */
  near_budget: { results: number; median: number; max: number };
  /** Share of cycles planned with a model trained on fewer results than were stored. */
  stale_model_share: number;
  /**
   * The same figures in CPU seconds of the campaign's process (PlanningCycle.cpuSeconds): what a
   * cycle costs whatever else the machine runs. Absent when a trace predates the measurement.
   */
  cpu?: { median: number; max: number; near_budget: { median: number; max: number } };
}

export function cycleStats(traces: readonly CampaignTrace[]): CycleStats | null {
  const cycles = traces.flatMap((t) => t.cycles);
  if (cycles.length === 0) return null;
  const sorted = cycles.map((c) => c.seconds).sort((a, b) => a - b);
  const most = Math.max(...cycles.map((c) => c.results));
  const late = cycles.filter((c) => c.results === most).map((c) => c.seconds).sort((a, b) => a - b);
  const withModel = cycles.filter((c) => c.modelTrainingSize !== undefined);
  const cpu = cycles.every((c) => c.cpuSeconds !== undefined) ? cycles.map((c) => c.cpuSeconds as number).sort((a, b) => a - b) : undefined;
  const lateCpu = cycles.filter((c) => c.results === most).map((c) => c.cpuSeconds as number).sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    max: sorted[sorted.length - 1] as number,
    near_budget: { results: most, median: quantile(late, 0.5), max: late[late.length - 1] as number },
    stale_model_share: withModel.length === 0 ? 0 : withModel.filter((c) => (c.modelTrainingSize as number) < c.results).length / withModel.length,
    ...(cpu
      ? { cpu: { median: quantile(cpu, 0.5), max: cpu[cpu.length - 1] as number, near_budget: { median: quantile(lateCpu, 0.5), max: lateCpu[lateCpu.length - 1] as number } } }
      : {}),
  };
}

export interface StrategyFigures {
  /** Per seed, in the order of `seeds`; null: no top-1 % result within the budget. */
  to_top1: (number | null)[];
  /** null: more than the budget (the median seed missed). */
  median_to_top1: number | null;
  iqr_to_top1: [number | null, number | null];
  missed: number;
  /** Median experiments to top-1 % over random search's expected draws (misses as budget + 1). */
  ratio_to_random: number;
  /** Median best value after n experiments. */
  best_at: Record<string, number>;
  cycle_seconds: CycleStats | null;
  /** Campaigns the product ended as failed. */
  failed_campaigns: number;
  wall_seconds_median: number;
}

export function strategyFigures(
  traces: readonly CampaignTrace[],
  landscapes: readonly Landscape[],
  budget: number,
  randomExpected: number,
): { figures: StrategyFigures; curves: number[][] } {
  const toTop1 = traces.map((t, i) => experimentsToTop1(t, landscapes[i] as Landscape));
  const curves = traces.map((t, i) => bestSoFar(t, landscapes[i] as Landscape, budget));
  const median = censoredQuantile(toTop1, 0.5, budget);
  const marks = [10, 25, 50, budget].filter((n, i, all) => n <= budget && all.indexOf(n) === i);
  return {
    figures: {
      to_top1: toTop1,
      median_to_top1: median,
      iqr_to_top1: [censoredQuantile(toTop1, 0.25, budget), censoredQuantile(toTop1, 0.75, budget)],
      missed: toTop1.filter((v) => v === null).length,
      ratio_to_random: (median ?? budget + 1) / randomExpected,
      best_at: Object.fromEntries(marks.map((n) => [String(n), quantile(curves.map((c) => c[n - 1] as number).sort((a, b) => a - b), 0.5)])),
      cycle_seconds: cycleStats(traces),
      failed_campaigns: traces.filter((t) => t.status === 'failed').length,
      wall_seconds_median: quantile(traces.map((t) => t.wallSeconds).sort((a, b) => a - b), 0.5),
    },
    curves,
  };
}
