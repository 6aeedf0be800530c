/**
 * Batch fantasies (kriging believer) on the GP: conditioning on a result at a pick's predicted
 * mean must shrink σ there to about the noise, shrink it on the pick's close relatives more than
 * on unrelated reactions, and never raise it; and a batch chosen by fantasies must not repeat
 * one reaction's neighbourhood as UCB on the unconditioned σ does. Real RDKit, real tfjs, the
 * published direct arylation grid.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { initChem } from '../src/chem/index.js';
import { GaussianProcessSurrogate } from '../src/models/gp.js';
import { initTensorBackend, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import { BayesianRecommender } from '../src/planner/bayesian-recommender.js';
import type { SearchSpace } from '../src/planner/space.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { EXAMPLES } from './helpers.js';

describe('batch fantasies on the GP', () => {
  let space: SearchSpace;
  let model: GaussianProcessSurrogate;
  let candidates: number[];
  let observed: { candidate: number; value: number }[];

  beforeAll(async () => {
    await initChem();
    await initTensorBackend({ log: null });
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
    if (spec.lab.type !== 'simulator') throw new Error('the example runs on the dataset simulator');
    const columns = spec.lab.columns;
    space = await buildSpace(spec);
    const { rows } = await readCsv(join(EXAMPLES, 'data', 'direct_arylation.csv'));
    const truth = rows.flatMap((row) => {
      const key = space.keyOfRow(row, columns);
      const candidate = key === null ? undefined : space.indexOfKey(key);
      return candidate === undefined ? [] : [{ candidate, value: Number(row.yield) }];
    });
    const rng = rngFor(3, 'fantasies');
    const shuffledTruth = shuffled(truth, rng);
    observed = shuffledTruth.slice(0, 30);
    candidates = shuffledTruth.slice(30, 430).map((t) => t.candidate);
    model = new GaussianProcessSurrogate(schemaFromSpace(space, ['yield'], { yield: [0, 100] }));
    await model.fit({ inputs: observed.map((o) => reactionInputOf(space, o.candidate)), targets: { yield: observed.map((o) => o.value) } }, { seed: 3 });
  });

  it('starts from the model’s own prediction and shrinks σ at the pick and around it, never elsewhere upwards', async () => {
    const inputs = candidates.map((c) => reactionInputOf(space, c));
    const plain = (await model.predict(inputs)).yield!;
    const believer = await model.believer(inputs, 'yield');
    for (let i = 0; i < candidates.length; i++) {
      expect(believer.mean[i]).toBeCloseTo(plain.mean[i]!, 2);
      expect(believer.sigma[i]).toBeCloseTo(plain.sigma[i]!, 2);
    }
    const pick = believer.sigma.indexOf(Math.max(...believer.sigma));
    const after = believer.believe(pick);
    for (let i = 0; i < candidates.length; i++) expect(after.sigma[i]!).toBeLessThanOrEqual(believer.sigma[i]! + 1e-9);
    // at the pick only the noise and the model's doubt about it given one more result remain
    expect(after.sigma[pick]!).toBeLessThan(believer.sigma[pick]!);
    // reactions sharing all but one of the pick's choices lose more σ than those sharing none
    const values = space.valuesOf(candidates[pick]!);
    const shared = (i: number) => Object.entries(space.valuesOf(candidates[i]!)).filter(([k, v]) => values[k] === v).length;
    const drop = (i: number) => believer.sigma[i]! - after.sigma[i]!;
    const roles = Object.keys(values).length;
    const near = candidates.map((_, i) => i).filter((i) => i !== pick && shared(i) === roles - 1);
    const far = candidates.map((_, i) => i).filter((i) => shared(i) === 0);
    expect(near.length).toBeGreaterThan(0);
    expect(far.length).toBeGreaterThan(0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(near.map(drop))).toBeGreaterThan(2 * mean(far.map(drop)));
  });

  it('plans a batch of distinct reactions, the first the plain acquisition’s best', async () => {
    const context = {
      space,
      count: 5,
      seed: 3,
      round: 1,
      observations: observed,
      pending: [],
      taken: new Set(observed.map((o) => o.candidate)),
      direction: 'maximize' as const,
      model: {
        version: 1,
        kind: 'gp',
        predict: async (cs: number[]) => (await model.predict(cs.map((c) => reactionInputOf(space, c)))).yield!,
        believer: (cs: number[]) => model.believer(cs.map((c) => reactionInputOf(space, c)), 'yield'),
      },
    };
    const settings = { acquisition: { name: 'ucb' as const }, initialResults: 5, penaltyLength: 0 };
    const fantasies = (await new BayesianRecommender({ ...settings, batchFantasies: true }).recommend(context)).proposals;
    const plain = (await new BayesianRecommender(settings).recommend(context)).proposals;
    expect(fantasies).toHaveLength(5);
    expect(new Set(fantasies.map((p) => p.candidate)).size).toBe(5);
    expect(fantasies[0]!.candidate).toBe(plain[0]!.candidate);
    expect(fantasies[1]!.reason).toContain('fantasised');
  });
});
