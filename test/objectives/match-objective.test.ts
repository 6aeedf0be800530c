/**
 * One target matched to a value within a tolerance (objective.match ± tolerance): the campaign
 * file, the Objective's orientation and goal, the planner's view of the model (the folded normal's
 * moments), and a campaign end to end on the analytic lab (real PGlite, the product's GP).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaign } from '../../src/agent/index.js';
import { parseCampaignSpec } from '../../src/campaign/index.js';
import { listExperiments, listObservations, openDatabase, type Database } from '../../src/db/index.js';
import { Objective } from '../../src/objectives/objective.js';
import { negatedDistanceMoments } from '../../src/planner/match-view.js';
import { normal, rngFor } from '../../src/util/random.js';
import { EXAMPLES, issuesOf, tempHome } from '../helpers.js';

function file(objective: string, budget = 30): string {
  return `name: match a value
objective:
${objective}
space:
  numeric:
    x1: { min: 0, max: 1, step: 0.1 }
    x2: { min: 0, max: 1, step: 0.1 }
budget: { experiments: ${budget}, batch: 2 }
seed: 5
planner: { initial_results: 6, retraining: { every_results: 1, wait_seconds: 600 } }
lab: { type: analytic, function: branin }
`;
}
const MATCH = '  target: ee\n  bounds: [0, 100]\n  match: 70\n  tolerance: 1.5';

describe('a match objective', () => {
  it('orients by distance to the value, either side; the goal is a result within the tolerance', async () => {
    const spec = await parseCampaignSpec(file(MATCH), { baseDir: EXAMPLES });
    const objective = Objective.of(spec);
    expect(objective.kind).toBe('match');
    expect(objective.plannerDirection).toBe('maximize');
    expect(objective.better(69, 73)).toBe(true);
    expect(objective.better(71, 69.5)).toBe(false);
    expect(objective.goalReached(71.5)).toBe(true);
    expect(objective.goalReached(68.4)).toBe(false);
    expect(objective.bestIn({ min: 0, max: 60 })).toBe(60);
    expect(objective.describe()).toBe('match ee = 70 ± 1.5');
  });

  it('refuses a tolerance without a value, a value without a tolerance, tolerance ≤ 0, minimize and goal, naming the field', async () => {
    const paths = async (objective: string) => (await issuesOf(file(objective))).map((i) => `${i.path}: ${i.message}`);
    expect(await paths('  target: ee\n  tolerance: 2')).toEqual([expect.stringMatching(/^objective\.tolerance: .*give match/)]);
    expect(await paths('  target: ee\n  match: 70')).toEqual([expect.stringMatching(/^objective\.match: give tolerance/)]);
    expect(await paths('  target: ee\n  match: 70\n  tolerance: 0')).toEqual([expect.stringMatching(/^objective\.tolerance: must be greater than 0/)]);
    expect(await paths('  target: ee\n  direction: minimize\n  match: 70\n  tolerance: 2')).toEqual([expect.stringMatching(/^objective\.direction: conflicting/)]);
    expect(await paths('  target: ee\n  match: 70\n  tolerance: 2\n  goal: 70')).toEqual([expect.stringMatching(/^objective\.goal: /)]);
  });

  it("hands the planner −|y − match| with the folded normal's mean and sd (checked by Monte Carlo)", () => {
    const rng = rngFor(1, 'folded');
    for (const [mean, sd, match] of [[72, 3, 70], [60, 1, 70], [70, 2, 70]] as const) {
      const draws = Array.from({ length: 50_000 }, () => -Math.abs(mean + sd * normal(rng) - match));
      const m = draws.reduce((a, b) => a + b, 0) / draws.length;
      const s = Math.sqrt(draws.reduce((a, b) => a + (b - m) ** 2, 0) / draws.length);
      const moments = negatedDistanceMoments(mean, sd, match);
      expect(moments.mean).toBeCloseTo(m, 1);
      expect(moments.sd).toBeCloseTo(s, 1);
    }
    expect(negatedDistanceMoments(65, 0, 70)).toEqual({ mean: -5, sd: 0 });
  });

  describe('end to end', () => {
    let database: Database;
    const { home, cleanup } = tempHome();
    beforeAll(async () => {
      database = await openDatabase({ home });
    }, 240_000);
    afterAll(async () => {
      await database.close();
      cleanup();
    });

    it('a campaign stops once a result is within the tolerance, having planned with the model', async () => {
      const spec = await parseCampaignSpec(file(MATCH), { baseDir: EXAMPLES });
      const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
      await runner.start();
      const end = await runner.done;
      expect(end.status).toBe('completed');
      expect(end.outcome).toMatch(/^goal reached \(ee /);
      const rows = await listObservations(database.db, runner.campaignId);
      const best = Math.min(...rows.map((r) => Math.abs((r.values.ee as number) - 70)));
      expect(best).toBeLessThanOrEqual(1.5);
      // the grid holds values well above and below 70: the campaign matched rather than maximised
      expect(rows.some((r) => (r.values.ee as number) > 75)).toBe(true);
      const experiments = await listExperiments(database.db, runner.campaignId);
      expect(experiments.length).toBeLessThan(30);
      expect(experiments.some((e) => e.proposal.strategy !== 'diverse' && e.proposal.strategy !== 'random')).toBe(true);
    }, 240_000);
  });
});
