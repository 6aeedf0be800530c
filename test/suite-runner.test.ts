/**
 * The benchmark suite's runner: campaigns through the product's loop (real PGlite, the XState
 * runner, the analytic lab), the figures it derives from them, random search's exact expectation,
 * and the leave-one-dataset-out pick.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedDrawsToTop1, randomBestSoFar } from '../bench/suite/random-baseline.js';
import { writeSuite } from '../bench/suite/report.js';
import { runSuite } from '../bench/suite/run-suite.js';
import { leaveOneDatasetOut, type SelectableTask } from '../bench/suite/select.js';
import { parseStrategies } from '../bench/suite/strategies.js';
import { censoredQuantile } from '../bench/suite/summary.js';
import { loadTask, type Landscape } from '../bench/suite/tasks.js';
import { tempHome } from './helpers.js';

const out = tempHome('athanor-suite-test-');
afterAll(() => out.cleanup());

function landscape(values: number[], top1Count: number, top1Threshold: number): Landscape {
  return {
    values: Float64Array.from(values),
    direction: 'maximize',
    top1Threshold,
    measured: values.length,
    top1Count,
    best: Math.max(...values),
    worst: Math.min(...values),
  };
}

/** Every subset of `n` of `items` (small inputs only). */
function subsets<T>(items: readonly T[], n: number): T[][] {
  if (n === 0) return [[]];
  if (items.length < n) return [];
  const [head, ...rest] = items as [T, ...T[]];
  return [...subsets(rest, n - 1).map((s) => [head, ...s]), ...subsets(rest, n)];
}

describe("random search's exact expectation", () => {
  const values = [3, 9, 1, 7, 7, 4, 12, 0];
  const l = landscape(values, 2, 9);

  it('gives the mean and median best of n draws that enumerating every draw gives', () => {
    const curve = randomBestSoFar(l, values.length + 2);
    for (let n = 1; n <= values.length; n++) {
      const maxima = subsets(values, n).map((s) => Math.max(...s)).sort((a, b) => a - b);
      const mean = maxima.reduce((a, b) => a + b, 0) / maxima.length;
      expect(curve.mean[n - 1]).toBeCloseTo(mean, 10);
      // the smallest value with at least half the draws at or below it
      const median = maxima.find((_, i) => (i + 1) / maxima.length >= 0.5);
      expect(curve.median[n - 1]).toBe(median);
    }
    // beyond the number of candidates every one has been drawn
    expect(curve.mean[values.length + 1]).toBe(12);
  });

  it('expects (N + 1)/(K + 1) draws to the first good candidate, as averaging over every order does', () => {
    // Position of the first of K good among N in a random order: P(first good at k) from the
    // k-1 bad ones drawn first, computed by enumerating the subsets of positions the good ones take.
    const N = 8;
    const K = 2;
    const placements = subsets([...Array(N).keys()], K);
    const mean = placements.reduce((s, p) => s + Math.min(...p) + 1, 0) / placements.length;
    expect(expectedDrawsToTop1(l)).toBeCloseTo(mean, 12);
    expect(expectedDrawsToTop1(l)).toBeCloseTo((N + 1) / (K + 1), 12);
  });
});

describe('figures over seeds with misses', () => {
  it('counts a miss as beyond the budget and never interpolates with one', () => {
    expect(censoredQuantile([4, 8, 12, null], 0.5, 100)).toBe(10);
    expect(censoredQuantile([4, 8, null, null], 0.5, 100)).toBeNull();
    expect(censoredQuantile([4, null, null], 0.25, 100)).toBeNull(); // 4 and a miss: no honest number
    expect(censoredQuantile([4, 6, 8, null, null], 0.25, 100)).toBe(6);
  });
});

describe('leave-one-dataset-out', () => {
  const task = (kind: 'dataset' | 'analytic', ratios: Record<string, number>): SelectableTask => ({
    kind,
    random_expected: 50,
    strategies: Object.fromEntries(
      Object.entries(ratios).map(([s, r]) => [s, { median_to_top1: r * 50, iqr_to_top1: [r * 40, r * 60], missed: 0, ratio_to_random: r }]),
    ),
  });

  it('judges each dataset with the strategy that is best on the others, not on itself', () => {
    const picks = leaveOneDatasetOut({
      a: task('dataset', { x: 0.1, y: 0.5, random: 1 }),
      b: task('dataset', { x: 0.2, y: 0.3, random: 1 }),
      c: task('dataset', { x: 0.9, y: 0.2, random: 1 }),
      // analytic tasks are not scored by default, however much they favour x
      z: task('analytic', { x: 0, y: 5, random: 1 }),
    });
    const byTask = Object.fromEntries(picks.map((p) => [p.task, p]));
    expect(Object.keys(byTask).sort()).toEqual(['a', 'b', 'c']);
    expect(byTask.a?.chosen).toBe('y'); // on b and c: y 0.25 against x 0.55
    expect(byTask.a?.best_in_sample).toBe('x');
    expect(byTask.a?.median_to_top1).toBe(25);
    expect(byTask.b?.chosen).toBe('y'); // on a and c: y 0.35 against x 0.5
    expect(byTask.c?.chosen).toBe('x'); // on a and b: x 0.15 against y 0.4
    expect(byTask.c?.score_elsewhere).toBeCloseTo(0.15, 12);
  });
});

describe('the suite runner', () => {
  it('runs a task through the product loop and writes figures that agree with each other', { timeout: 600_000 }, async () => {
    const strategies = parseStrategies('default,random', ['ei={acquisition: ei}']);
    const budget = 15;
    const result = await runSuite({ tasks: ['branin-grid'], seeds: [1, 2], budget, batch: 5, strategies, workers: 1, log: () => undefined });
    const written = writeSuite(result, 'suite-test', 'test', out.home);
    const json = JSON.parse(readFileSync(written.json, 'utf8'));

    expect(json.seeds).toEqual([1, 2]);
    expect(json.headline_strategy).toBe('default');
    expect(json.strategies.ei).toEqual({ acquisition: 'ei' });
    const task = json.tasks['branin-grid'];
    expect(task.kind).toBe('analytic');
    expect(task.candidates).toBe(41 * 41);
    expect(task.random_expected).toBeCloseTo((task.candidates + 1) / (task.top1_count + 1), 12);
    expect(task.strategy).toBe('default');
    expect(Object.keys(task.strategies).sort()).toEqual(['default', 'ei', 'random']);
    for (const [name, s] of Object.entries<Record<string, any>>(task.strategies)) {
      expect(s.to_top1, name).toHaveLength(2);
      expect(s.missed, name).toBe(s.to_top1.filter((v: number | null) => v === null).length);
      for (const v of s.to_top1) if (v !== null) expect(v >= 1 && v <= budget, `${name}: ${v}`).toBe(true);
      const sorted = s.to_top1.map((v: number | null) => v ?? budget + 1).sort((a: number, b: number) => a - b);
      const middle = (sorted[0] + sorted[1]) / 2;
      expect(s.median_to_top1, name).toBe(middle > budget || sorted[1] > budget ? null : middle);
      expect(s.failed_campaigns, name).toBe(0);
      // best values never fall as experiments go on, and stay within the landscape
      expect(s.best_at['10']).toBeLessThanOrEqual(s.best_at['15']);
      expect(s.best_at['15']).toBeLessThanOrEqual(task.best + 1e-9);
      if (name !== 'random') {
        // two model-planned batches per campaign, each timed
        expect(s.cycle_seconds.median).toBeGreaterThan(0);
        expect(s.cycle_seconds.near_budget.results).toBe(10);
        // the cycle's CPU time: spent, and never more than two threads' worth of its wall time
        expect(s.cycle_seconds.cpu.median).toBeGreaterThan(0);
        expect(s.cycle_seconds.cpu.near_budget.max).toBeLessThanOrEqual(s.cycle_seconds.cpu.max);
        expect(s.cycle_seconds.cpu.median).toBeLessThanOrEqual(2 * s.cycle_seconds.max + 0.05);
      }
    }
    expect(task.median_to_top1).toBe(task.strategies.default.median_to_top1);
    expect(task.cycle_seconds).toEqual(task.strategies.default.cycle_seconds);
    expect(readFileSync(written.markdown, 'utf8')).toContain('| branin-grid (analytic) | 1681 |');
    expect(readFileSync(written.markdown, 'utf8')).toMatch(/Costliest planning cycle at the most results a campaign reaches: [\d.]+ s of CPU/);
    expect(written.plots).toHaveLength(1);
    expect(existsSync(written.plots[0] as string)).toBe(true);
    expect(readFileSync(written.plots[0] as string, 'utf8')).toContain('random (exact)');
  });

  it('refuses a planner variant the campaign file format does not allow, naming the field', { timeout: 120_000 }, async () => {
    const strategies = parseStrategies(undefined, ['bad={acquisition: ucb, kernal: rbf}']);
    await expect(runSuite({ tasks: ['branin-grid'], seeds: [1], budget: 10, batch: 5, strategies, workers: 1, log: () => undefined })).rejects.toThrow(
      /strategy "bad".*kernal/s,
    );
  });
});

describe('the default planner against random search on the analytic sanity tasks', () => {
  /*
   * On each analytic landscape the default planner, run through the product loop, must close a
   * clear share of the gap random search leaves between its expected best after the budget
   * (computed exactly, so only the planner's side varies) and the grid's optimum: at least a
   * quarter on the median seed of three (random search closes none on average). The median,
   * because one seed in three may settle on a decoy. The loop fits only when it plans, so a
   * campaign's proposals depend on its seed, not on when results land (earlier, fits on partial
   * batches made them differ run to run: hartmann6 gave −0.74 / 0.60 / 0.50 when this was written
   * and a median of −0.34 on CI). Measured since (budget 40, seeds 1–3, load 20–30; hartmann6
   * identical, experiment by experiment, on three runs): branin 0.56 / 1.00 / 0.84, peaks
   * 0.98 / −0.65 / 1.00 (seed 2 on the second peak), hartmann6 0.26 / 0.61 / −0.34: seed 3 ends
   * below random search and the median seed only just clears the bar; that is the planner's
   * weakness on hartmann6 (issue 14), not noise.
   */
  const BUDGET = 40;
  const SEEDS = [1, 2, 3];
  for (const name of ['branin-grid', 'peaks-grid', 'hartmann6-grid']) {
    it(`closes at least a quarter of random search's gap on ${name} (median seed)`, { timeout: 600_000 }, async () => {
      const result = await runSuite({ tasks: [name], seeds: SEEDS, budget: BUDGET, batch: 5, strategies: parseStrategies('default'), workers: 1, log: () => undefined });
      const runs = result.curves[name]?.strategies.default;
      if (!runs) throw new Error(`no curves for ${name}`);
      const task = await loadTask(name);
      const gaps = SEEDS.map((seed, i) => {
        const l = task.landscape(seed);
        const random = randomBestSoFar(l, BUDGET).mean[BUDGET - 1] as number;
        return (((runs[i] as number[])[BUDGET - 1] as number) - random) / (l.best - random);
      });
      console.log(`${name}: share of random search's gap closed after ${BUDGET}: ${gaps.map((g) => g.toFixed(2)).join(', ')}`);
      expect([...gaps].sort((a, b) => a - b)[1]).toBeGreaterThan(0.25);
    });
  }
});
