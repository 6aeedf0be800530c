/* ParEGO as the campaign's Pareto acquisition (planner.pareto_acquisition: parego): the batch
 * acquisition's choices, and the campaign file selecting it (and refusing it where it means nothing). */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recommenderFor } from '../../src/agent/campaign-runtime.js';
import { parseCampaignSpec } from '../../src/campaign/index.js';
import { issuesOf } from '../helpers.js';
import { selectBatchByParego } from '../../src/objectives/multi/parego-acquisition.js';
import { rngFor } from '../../src/util/random.js';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

function campaign(objective: string, planner: string): string {
  return `name: parego
objective:
${objective}
space:
  numeric:
    x1: { min: 0, max: 1, step: 0.25 }
    x2: { min: 0, max: 1, step: 0.25 }
budget: { experiments: 10, batch: 2 }
planner: ${planner}
lab: { type: analytic, function: branin-currin }
`;
}
const PARETO = '  pareto:\n    - { target: branin, direction: minimize }\n    - { target: currin, direction: minimize }';

describe('ParEGO batch acquisition', () => {
  // Two maximised targets; observed (0, 1) and (1, 0). Candidates: a point dominating both corners'
  // trade-off (1, 1), a dominated one (0.2, 0.2) and two that only repeat the corners.
  const observedMean = [
    [0, 1],
    [1, 0],
  ];
  const candidateMean = [
    [0.2, 0.2],
    [1, 1],
    [0, 1],
    [1, 0],
  ];
  const sd = candidateMean.map(() => [0.01, 0.01]);

  it('picks the candidate that improves every scalarisation first, never a candidate twice', () => {
    const batch = selectBatchByParego({
      observedMean,
      candidateMean,
      candidateSd: sd,
      directions: ['maximise', 'maximise'],
      batchSize: 3,
      rng: rngFor(7, 'parego-test'),
    });
    expect(batch.chosen[0]).toBe(1);
    expect(batch.values[0]).toBeGreaterThan(0);
    expect(new Set(batch.chosen).size).toBe(3);
    // Each slot draws its own weights on the simplex.
    for (const w of batch.weights) expect(w[0]! + w[1]!).toBeCloseTo(1, 12);
    expect(batch.weights[0]).not.toEqual(batch.weights[1]);
  });

  it('respects the direction: minimising both targets, the low point is the improvement', () => {
    const batch = selectBatchByParego({
      observedMean: [
        [1, 0],
        [0, 1],
      ],
      candidateMean: [
        [1, 1],
        [0, 0],
      ],
      candidateSd: [
        [0.01, 0.01],
        [0.01, 0.01],
      ],
      directions: ['minimise', 'minimise'],
      batchSize: 1,
      rng: rngFor(3, 'parego-test'),
    });
    expect(batch.chosen).toEqual([1]);
  });

  it('a zero weight (infeasible candidate) makes the acquisition choose another', () => {
    const batch = selectBatchByParego({
      observedMean,
      candidateMean,
      candidateSd: sd,
      directions: ['maximise', 'maximise'],
      batchSize: 1,
      rng: rngFor(7, 'parego-test'),
      candidateWeights: [1, 0, 1, 1],
    });
    expect(batch.chosen[0]).not.toBe(1);
  });
});

describe('campaign file: planner.pareto_acquisition', () => {
  it('selects ParEGO for a Pareto objective; EHVI is the default', async () => {
    const parego = await parseCampaignSpec(campaign(PARETO, '{ pareto_acquisition: parego }'), { baseDir: examples });
    expect(parego.planner.pareto_acquisition).toBe('parego');
    expect(recommenderFor(parego).name).toBe('parego');
    const byDefault = await parseCampaignSpec(campaign(PARETO, '{ strategy: bayesian }'), { baseDir: examples });
    expect(recommenderFor(byDefault).name).toBe('ehvi');
  });

  it('is refused with one target, with a model-free strategy, and when misspelt (naming the field)', async () => {
    const single = await issuesOf(campaign('  target: branin\n  direction: minimize', '{ pareto_acquisition: parego }').replace('branin-currin', 'branin'));
    expect(single.map((i) => i.path)).toContain('planner.pareto_acquisition');
    const random = await issuesOf(campaign(PARETO, '{ strategy: random, pareto_acquisition: parego }'));
    expect(random.find((i) => i.path === 'planner.pareto_acquisition')?.message).toMatch(/bayesian/);
    const typo = await issuesOf(campaign(PARETO, '{ pareto_acquisition: tsemo }'));
    expect(typo.find((i) => i.path === 'planner.pareto_acquisition')?.line).toBeGreaterThan(0);
  });
});
