import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import {
  expectedImprovement,
  probabilityOfImprovement,
  scoreCandidates,
  upperConfidenceBound,
} from '../src/planner/acquisition.js';
import { selectBatch } from '../src/planner/batch-selection.js';
import { BayesianRecommender } from '../src/planner/bayesian-recommender.js';
import { CandidateDistance } from '../src/planner/distance.js';
import { normalCdf } from '../src/planner/normal.js';
import type { ModelView, PlanningContext } from '../src/planner/recommender.js';
import type { SearchSpace } from '../src/planner/space.js';
import { rngFor } from '../src/util/random.js';
import { EXAMPLES } from './helpers.js';

describe('acquisition functions against hand-computed values', () => {
  it('normal distribution function', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1)).toBeCloseTo(0.8413447, 6);
    expect(normalCdf(-1.96)).toBeCloseTo(0.0249979, 6);
  });

  it('expected improvement', () => {
    // μ 1, σ 1, f* 0: z = 1 → 1·Φ(1) + φ(1) = 0.841345 + 0.241971
    expect(expectedImprovement(1, 1, 0)).toBeCloseTo(1.083316, 5);
    // μ −1, σ 2, f* 0: z = −0.5 → −Φ(−0.5) + 2 φ(−0.5) = −0.308538 + 0.704131
    expect(expectedImprovement(-1, 2, 0)).toBeCloseTo(0.395593, 5);
    // ξ shifts the incumbent
    expect(expectedImprovement(1, 1, 0, 1)).toBeCloseTo(expectedImprovement(0, 1, 0), 10);
    // no uncertainty: the plain gain, never negative
    expect(expectedImprovement(3, 0, 1)).toBe(2);
    expect(expectedImprovement(0, 0, 1)).toBe(0);
  });

  it('probability of improvement and upper confidence bound', () => {
    expect(probabilityOfImprovement(1, 1, 0)).toBeCloseTo(0.841345, 5);
    expect(probabilityOfImprovement(0, 2, 1)).toBeCloseTo(0.308538, 5);
    expect(upperConfidenceBound(1, 0.5, 2)).toBe(2);
  });

  it('scores a small posterior with each function', () => {
    const mean = [10, 12, 8];
    const sigma = [1, 0.1, 8];
    const input = { mean, sigma, incumbent: 11, rng: rngFor(1, 't') };
    const argmax = (a: Float64Array) => a.indexOf(Math.max(...a));
    expect(argmax(scoreCandidates({ name: 'greedy' }, input))).toBe(1);
    expect(argmax(scoreCandidates({ name: 'max_sigma' }, input))).toBe(2);
    expect(Array.from(scoreCandidates({ name: 'ucb', beta: 1 }, input))).toEqual([11, 12.1, 16]);
    const ei = scoreCandidates({ name: 'ei' }, input);
    expect(ei[0]).toBeCloseTo(expectedImprovement(10, 1, 11), 12);
    expect(argmax(ei)).toBe(2); // the uncertain candidate is worth more than the sure small gain
    const pi = scoreCandidates({ name: 'pi' }, input);
    expect(argmax(pi)).toBe(1); // but the sure gain is the most probable improvement
    const t1 = scoreCandidates({ name: 'thompson' }, { ...input, rng: rngFor(5, 'x') });
    const t2 = scoreCandidates({ name: 'thompson' }, { ...input, rng: rngFor(5, 'x') });
    expect(Array.from(t1)).toEqual(Array.from(t2)); // seeded
    expect(Array.from(t1)).not.toEqual(Array.from(scoreCandidates({ name: 'thompson' }, { ...input, rng: rngFor(6, 'x') })));
  });
});

describe('batch selection and the Bayesian recommender', () => {
  let space: SearchSpace;
  let distance: CandidateDistance;
  beforeAll(async () => {
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
    space = await buildSpace(spec);
    distance = new CandidateDistance(space);
  });

  /** A synthetic posterior: a smooth function of the candidate's codes, with σ growing with the index. */
  function fakeModel(): ModelView {
    return {
      version: 3,
      kind: 'test-posterior',
      predict: async (candidates) => ({
        mean: Float64Array.from(candidates, (c) => 50 + 10 * Math.sin(c / 37) + space.code(c, 1)),
        sigma: Float64Array.from(candidates, (c) => 1 + (c % 7)),
      }),
    };
  }

  function context(overrides: Partial<PlanningContext>): PlanningContext {
    return { space, count: 5, seed: 1, round: 3, observations: [], pending: [], taken: new Set(), direction: 'maximize', ...overrides };
  }

  it('never picks a pending or taken candidate, and never the same one twice', async () => {
    const recommender = new BayesianRecommender({ acquisition: { name: 'ei' }, initialResults: 5 });
    const taken = new Set(Array.from({ length: 300 }, (_, i) => i * 5));
    const pending = [1, 6, 11];
    for (const p of pending) taken.add(p);
    const observations = [...taken].slice(0, 20).map((candidate) => ({ candidate, value: 40 }));
    const { proposals, maxExpectedImprovement } = await recommender.recommend(context({ taken, pending, observations, model: fakeModel(), count: 10 }));
    expect(proposals).toHaveLength(10);
    expect(new Set(proposals.map((p) => p.candidate)).size).toBe(10);
    for (const p of proposals) expect(taken.has(p.candidate)).toBe(false);
    expect(proposals.map((p) => p.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(proposals[0]?.mean).toBeTypeOf('number');
    expect(proposals[0]?.sigma).toBeGreaterThan(0);
    expect(proposals[0]?.reason).toMatch(/expected improvement .* model v3/);
    expect(maxExpectedImprovement).toBeGreaterThan(0);
  });

  it('uses the initial design until enough results exist', async () => {
    const recommender = new BayesianRecommender({ acquisition: { name: 'ei' }, initialResults: 10 });
    const { proposals } = await recommender.recommend(context({ model: fakeModel(), observations: [{ candidate: 0, value: 1 }], taken: new Set([0]) }));
    expect(proposals[0]?.strategy).toBe('diverse');
    expect(proposals[0]?.mean).toBeUndefined();
  });

  it('weighs the epistemic σ when asked, the total σ by default', async () => {
    // candidate 0: high total σ that is all noise; candidate 1: a lower total σ, all of it epistemic
    const model: ModelView = {
      version: 1,
      kind: 'test-posterior',
      predict: async (candidates) => ({
        mean: Float64Array.from(candidates, () => 50),
        sigma: Float64Array.from(candidates, (c) => (c === 0 ? 20 : c === 1 ? 10 : 1)),
        epistemic: Float64Array.from(candidates, (c) => (c === 0 ? 1 : c === 1 ? 10 : 0.5)),
      }),
    };
    const pick = async (uncertainty?: 'epistemic' | 'total') =>
      (await new BayesianRecommender({ acquisition: { name: 'ucb' }, initialResults: 0, penaltyLength: 0, ...(uncertainty ? { uncertainty } : {}) }).recommend(context({ model, count: 1 }))).proposals[0]?.candidate;
    expect(await pick()).toBe(0);
    expect(await pick('total')).toBe(0);
    expect(await pick('epistemic')).toBe(1);
  });

  it('minimises when asked: the greedy pick has the lowest predicted mean', async () => {
    const recommender = new BayesianRecommender({ acquisition: { name: 'greedy' }, initialResults: 0, penaltyLength: 0 });
    const model = fakeModel();
    const { proposals } = await recommender.recommend(context({ model, direction: 'minimize', count: 1 }));
    const all = await model.predict(Array.from({ length: space.size }, (_, i) => i));
    expect(proposals[0]?.mean).toBe(Math.min(...all.mean));
  });

  it('penalisation spreads a batch: without it the top picks are near-copies, with it they differ more', () => {
    const candidates = Array.from({ length: space.size }, (_, i) => i);
    // scores that favour one ligand and one solvent, so the plain top 5 share most conditions
    const scores = Float64Array.from(candidates, (c) => (space.code(c, 1) === 3 ? 10 : 0) + (space.code(c, 2) === 1 ? 5 : 0) + c / 1e4);
    const spread = (picks: { candidate: number }[]) => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < picks.length; i++) for (let j = i + 1; j < picks.length; j++, n++) sum += distance.between(picks[i]!.candidate, picks[j]!.candidate);
      return sum / n;
    };
    const plain = selectBatch({ candidates, scores, pending: [], count: 5, distance, lengthScale: 0 });
    const guarded = selectBatch({ candidates, scores, pending: [], count: 5, distance, lengthScale: 0.1 });
    expect(spread(guarded)).toBeGreaterThan(spread(plain) * 1.5);
    expect(plain.every((p) => p.penalty === 1)).toBe(true);
    // a pending experiment pushes picks away from itself
    const top = plain[0]!.candidate;
    const avoiding = selectBatch({ candidates: candidates.filter((c) => c !== top), scores: scores.filter((_, i) => i !== top), pending: [top], count: 1, distance, lengthScale: 0.1 });
    expect(distance.between(avoiding[0]!.candidate, top)).toBeGreaterThan(distance.between(plain[1]!.candidate, top));
  });
});
