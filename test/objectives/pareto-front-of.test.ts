/**
 * The front `athanor run` ends with (paretoFrontOf, formatParetoFront) keeps to the outcome
 * constraints, as the panel's and the planner's do: a result that breaks one, or does not measure
 * the constrained quantity, is no recipe to offer. Hand-made results.
 */
import { describe, expect, it } from 'vitest';
import { formatParetoFront, frontEntries } from '../../src/cli/pareto-table.js';
import { Measurements, paretoFrontOf } from '../../src/measurements/measurements.js';
import { Objective } from '../../src/objectives/objective.js';

const objective = new Objective({
  target: 'yield',
  direction: 'maximize',
  pareto: [
    { target: 'yield', direction: 'maximize' },
    { target: 'cost', direction: 'minimize' },
  ],
  constraints: [{ target: 'impurity', operator: '<=', bound: 2 }],
});

const row = (seq: number, values: Record<string, number>) => ({ seq, parameters: { base: `b${seq}` }, values });

describe('the front athanor run prints', () => {
  it('leaves out results that break a constraint or did not measure its quantity', () => {
    const measurements = Measurements.from([
      row(1, { yield: 90, cost: 9, impurity: 5 }), // best yield, but 5 % impurity
      row(2, { yield: 80, cost: 5, impurity: 1 }),
      row(3, { yield: 60, cost: 2, impurity: 2 }), // at the limit: keeps to it
      row(4, { yield: 95, cost: 1 }), // impurity not measured
      row(5, { yield: 50, cost: 6, impurity: 0.5 }), // dominated by 2
    ]);
    expect(paretoFrontOf(measurements, objective).map((m) => m.seq)).toEqual([2, 3]);
    const lines = formatParetoFront(frontEntries(paretoFrontOf(measurements, objective), objective), objective);
    expect(lines[0]).toContain('2 non-dominated results within impurity <= 2');
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(['2', '3']);
  });

  it('says so when nothing keeps to the constraints yet', () => {
    const measurements = Measurements.from([row(1, { yield: 90, cost: 9, impurity: 5 })]);
    expect(formatParetoFront(frontEntries(paretoFrontOf(measurements, objective), objective), objective)).toEqual([
      '  Pareto front  no result has every target yet within impurity <= 2',
    ]);
  });
});
