/* The terminal summary of a campaign on a dataset: "dataset best" and the top-1 % line follow the
 * objective's direction (a minimised target's best is the dataset's minimum, reached from below). */
import { describe, expect, it } from 'vitest';
import type { CampaignSummary } from '../src/agent/index.js';
import { formatSummary } from '../src/cli/format.js';
import { referenceOf } from '../src/lab-adapters/dataset-simulator.js';
import { Objective } from '../src/objectives/objective.js';

const rows = [3, 9, 4, 1.5, 7, 2].map((impurity) => ({ impurity }));

function summary(direction: CampaignSummary['direction'], reference: CampaignSummary['reference'], datasetBest: number): CampaignSummary {
  return {
    campaignId: 'c1',
    name: 'impurity',
    status: 'completed',
    outcome: 'budget spent',
    budget: 6,
    experiments: 6,
    counts: { planned: 0, dispatched: 0, running: 0, completed: 6, failed: 0, cancelled: 0 } as CampaignSummary['counts'],
    target: 'impurity',
    direction,
    unit: '%',
    bestYield: 1.5,
    best: { target: 'impurity', experiment: 4, value: 1.5, parameters: { t: 40 } },
    bestSoFar: [3, 3, 3, 1.5, 1.5, 1.5],
    reference,
    firstTop1At: 4,
    firstMaxAt: 4,
    datasetBest,
  };
}

describe('formatSummary on a dataset', () => {
  it('a minimised target: dataset best is the minimum and the top-1 % line reads ≤', () => {
    const reference = referenceOf(rows, 'impurity', 'minimize', 'test');
    expect(reference.top1Threshold).toBe(1.5);
    const text = formatSummary(summary('minimize', reference, new Objective({ target: 'impurity', direction: 'minimize' }).bestIn(reference)), 'db');
    expect(text).toContain('dataset best  1.50 %');
    expect(text).toContain('impurity ≤ 1.50 %');
    expect(text).not.toContain('9.00');
  });

  it('a match objective: the reference ranks rows by distance to the value', () => {
    const objective = new Objective({ target: 'impurity', direction: 'maximize', match: 4.2, tolerance: 0.5 });
    const reference = referenceOf(rows, 'impurity', objective, 'test');
    expect(reference.top1Threshold).toBe(4);
    expect(reference.top1Count).toBe(1);
    expect(objective.bestIn(reference)).toBe(4.2);
  });
});
