/**
 * A campaign with two targets, end to end: the campaign file, the analytic lab serving
 * Branin–Currin (some results missing a target), real PGlite, the product's GP per target and
 * noisy EHVI with an outcome constraint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaign, summarizeCampaign } from '../../src/agent/index.js';
import { parseCampaignSpec } from '../../src/campaign/index.js';
import { getCampaign, listExperiments, listObservations, openDatabase, type Database } from '../../src/db/index.js';
import type { AnalyticLab } from '../../src/lab-adapters/analytic-lab.js';
import { Measurements, paretoFrontOf } from '../../src/measurements/measurements.js';
import { Objective } from '../../src/objectives/objective.js';
import { EXAMPLES, tempHome } from '../helpers.js';

let database: Database;
const { home, cleanup } = tempHome();
beforeAll(async () => {
  database = await openDatabase({ home });
});
afterAll(async () => {
  await database.close();
  cleanup();
});

/** currin's median over the grid below (0 … 1 by 0.1 on both axes), computed once by hand from the lab. */
function fileWith(constraint: string, seed = 3): string {
  return `name: branin-currin with a constraint
objective:
  pareto:
    - { target: branin, direction: minimize }
    - { target: currin, direction: minimize }
  constraints: ["${constraint}"]
space:
  numeric:
    x1: { min: 0, max: 1, step: 0.1 }
    x2: { min: 0, max: 1, step: 0.1 }
budget: { experiments: 24, batch: 4 }
seed: ${seed}
planner: { initial_results: 8, retraining: { every_results: 1, wait_seconds: 600 } }
lab:
  type: analytic
  function: branin-currin
  missing_rate: 0.25
`;
}

describe('a campaign with two targets', () => {
  it('runs end to end on the analytic lab with some targets missing; EHVI proposals keep to the constraint', async () => {
    // the constraint cuts the grid in half, against the direction currin is minimised in
    const probe = await parseCampaignSpec(fileWith('currin >= 0'), { baseDir: EXAMPLES });
    const { runner: probeRunner } = await openCampaign(database.db, { spec: probe, source: '', home, actor: 'test' });
    const lab = probeRunner.runtime.lab as AnalyticLab;
    const grid = probeRunner.runtime.space;
    const currins = Array.from({ length: grid.size }, (_, i) => lab.valuesAt(grid.valuesOf(i)).currin as number).sort((a, b) => a - b);
    const median = currins[Math.floor(currins.length / 2)] as number;

    const spec = await parseCampaignSpec(fileWith(`currin >= ${median}`), { baseDir: EXAMPLES });
    const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
    await runner.start();
    expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });

    const experiments = await listExperiments(database.db, runner.campaignId);
    expect(experiments).toHaveLength(24);
    expect(experiments.every((e) => e.status === 'completed')).toBe(true);
    const rows = await listObservations(database.db, runner.campaignId);
    expect(rows).toHaveLength(24);
    // results with one target missing were stored, and every result has at least one
    const partial = rows.filter((r) => Object.keys(r.values).length === 1);
    expect(partial.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.values.branin !== undefined || r.values.currin !== undefined)).toBe(true);

    // after the initial design, batches come from EHVI with the constraint's probability in the reason
    const planned = experiments.filter((e) => e.proposal.strategy === 'ehvi');
    expect(planned.length).toBeGreaterThanOrEqual(8);
    expect(planned.every((e) => /expected hypervolume improvement .*P\(feasible\)/.test(e.proposal.reason))).toBe(true);
    // half the grid breaks the constraint, which pulls against minimising currin: the model-planned
    // proposals keep to it more than the grid's share, and far more than without the constraint.
    // Which results miss a target is drawn per experiment, so one campaign's dozen proposals vary:
    // the shares pool three seeds' campaigns.
    const plannedOf = async (constraint: string, seed: number) => {
      const { runner: other } = await openCampaign(database.db, { spec: await parseCampaignSpec(fileWith(constraint, seed), { baseDir: EXAMPLES }), source: '', home, actor: 'test' });
      await other.start();
      expect(await other.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      return (await listExperiments(database.db, other.campaignId)).filter((e) => e.proposal.strategy === 'ehvi');
    };
    const share = (list: typeof experiments) => list.filter((e) => (lab.valuesAt(e.parameters).currin as number) >= median).length / list.length;
    const constrained = share([...planned, ...(await plannedOf(`currin >= ${median}`, 4)), ...(await plannedOf(`currin >= ${median}`, 5))]);
    const free = share([...(await plannedOf('branin <= 1000', 3)), ...(await plannedOf('branin <= 1000', 4)), ...(await plannedOf('branin <= 1000', 5))]);
    // two seeds pooled, over 10 runs: 0.60–0.88 with the constraint, 0.17–0.46 without; one run of
    // a full suite saw 0.50, so three seeds are pooled now (4 runs: 0.56–0.81 with, 0.13–0.31 without).
    // At least the grid's share, and well above the unconstrained campaigns'.
    console.info(`share of EHVI proposals meeting the constraint: ${constrained.toFixed(2)} with it, ${free.toFixed(2)} without`);
    expect(constrained).toBeGreaterThanOrEqual(0.5);
    expect(constrained).toBeGreaterThan(free + 0.15);

    const front = paretoFrontOf(Measurements.from(rows), Objective.of(spec));
    expect(front.length).toBeGreaterThan(0);
    expect(front.every((m) => m.values.branin !== undefined && m.values.currin !== undefined)).toBe(true);
  }, 600_000);
});

describe('the dataset simulator with several result columns', () => {
  it('keeps rows that have some of the targets and reports each quantity over the rows that have it', async () => {
    const { DatasetSimulator } = await import('../../src/lab-adapters/dataset-simulator.js');
    const rows = [
      { k: 'one', a: '1', b: '' },
      { k: 'two', a: '', b: '' },
      { k: 'one', a: '3', b: '4' },
      { k: 'three', a: '', b: '7' },
    ];
    const common = { rows, source: 'inline', keyOfRow: (r: Record<string, string>) => r.k ?? null, results: { a: 'a', b: 'b' }, seed: 1, capacity: 1 };
    const several = new DatasetSimulator({ ...common, anyOf: ['a', 'b'] });
    expect(several.lookup('one')).toEqual({ a: 2, b: 4 });
    expect(several.lookup('two')).toBeUndefined();
    expect(several.lookup('three')).toEqual({ b: 7 });
    // one target: a row must fill every result column, as before
    const single = new DatasetSimulator(common);
    expect(single.lookup('one')).toEqual({ a: 3, b: 4 });
    expect(single.lookup('three')).toBeUndefined();
  });
});

describe('a desirability campaign', () => {
  it('plans on the combined desirability through the single-target path and names it as the best', async () => {
    // A desirability needs every target, and the lab leaves each out with probability 0.2 (seeded by
    // the experiment's random id), so only 64 % of results count. With 12 experiments and 4 needed,
    // 12 % of runs never reached the model (CI saw one); 16 experiments and 3 needed leave 0.1 %.
    const spec = await parseCampaignSpec(
      `name: desirability
objective:
  desirability:
    - { target: branin, direction: minimize, low: 0, high: 150 }
    - { target: currin, direction: minimize, low: 1, high: 14, weight: 2 }
space:
  numeric:
    x1: { min: 0, max: 1, step: 0.1 }
    x2: { min: 0, max: 1, step: 0.1 }
budget: { experiments: 16, batch: 4 }
planner: { initial_results: 3 }
lab: { type: analytic, function: branin-currin, missing_rate: 0.2 }
`,
      { baseDir: EXAMPLES },
    );
    const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
    await runner.start();
    expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
    const rows = await listObservations(database.db, runner.campaignId);
    const objective = Objective.of(spec);
    const values = rows.map((r) => objective.valueOf(r.values)).filter((v): v is number => v !== undefined);
    const summary = await summarizeCampaign(database.db, (await getCampaign(database.db, runner.campaignId))!, runner.runtime.reference);
    expect(summary.target).toBe('desirability');
    expect(summary.best?.value).toBeCloseTo(Math.max(...values), 12);
    const experiments = await listExperiments(database.db, runner.campaignId);
    expect(experiments.some((e) => e.proposal.strategy !== 'diverse')).toBe(true);
  }, 600_000);
});
