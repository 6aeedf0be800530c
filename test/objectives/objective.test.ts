import { describe, expect, it } from 'vitest';
import { Objective } from '../../src/objectives/objective.js';

const maximise = new Objective({ target: 'yield', direction: 'maximize', unit: '%', goal: 90 });
const minimise = new Objective({ target: 'impurity', direction: 'minimize', goal: 2 });

describe('Objective', () => {
  it('orients values so that larger is better', () => {
    expect(maximise.orient(40)).toBe(40);
    expect(minimise.orient(40)).toBe(-40);
    expect(maximise.better(50, 40)).toBe(true);
    expect(maximise.better(40, 50)).toBe(false);
    expect(minimise.better(1.5, 3)).toBe(true);
    expect(minimise.better(3, 1.5)).toBe(false);
    // equal is not better, either way
    expect(maximise.better(40, 40)).toBe(false);
    expect(minimise.better(40, 40)).toBe(false);
  });

  it('knows when the goal is reached, at the goal itself included', () => {
    expect(maximise.goalReached(undefined)).toBe(false);
    expect(maximise.goalReached(89.9)).toBe(false);
    expect(maximise.goalReached(90)).toBe(true);
    expect(maximise.goalReached(95)).toBe(true);
    expect(minimise.goalReached(2.1)).toBe(false);
    expect(minimise.goalReached(2)).toBe(true);
    expect(minimise.goalReached(0.5)).toBe(true);
    expect(new Objective({ target: 'yield', direction: 'maximize' }).goalReached(1e9)).toBe(false);
  });

  it('reaches a threshold within a tolerance in the right direction', () => {
    expect(maximise.reaches(99.9999999995, 100, 1e-9)).toBe(true);
    expect(maximise.reaches(99.99, 100, 1e-9)).toBe(false);
    expect(minimise.reaches(0.0000000005, 0, 1e-9)).toBe(true);
    expect(minimise.reaches(0.01, 0, 1e-9)).toBe(false);
  });

  it('finds the best item, skipping missing values and keeping the earlier one on a tie', () => {
    const rows = [
      { seq: 1, v: 10 as number | undefined },
      { seq: 2, v: undefined },
      { seq: 3, v: 30 },
      { seq: 4, v: 30 },
      { seq: 5, v: 5 },
    ];
    expect(maximise.best(rows, (r) => r.v)).toEqual({ item: rows[2], value: 30 });
    expect(minimise.best(rows, (r) => r.v)).toEqual({ item: rows[4], value: 5 });
    expect(maximise.best([{ v: undefined }], (r) => r.v)).toBeUndefined();
  });

  it('takes the top end of a range and sorts worst first', () => {
    expect(maximise.bestIn({ min: 1, max: 9 })).toBe(9);
    expect(minimise.bestIn({ min: 1, max: 9 })).toBe(1);
    expect([3, 1, 2].sort(maximise.worstFirst)).toEqual([1, 2, 3]);
    expect([3, 1, 2].sort(minimise.worstFirst)).toEqual([3, 2, 1]);
  });

  it('names the best result after its target, not after yields', () => {
    expect(new Objective({ target: 'reacted', direction: 'maximize' }).bestLabel).toBe('best reacted');
    expect(minimise.describe()).toBe('minimise impurity');
    expect(maximise.describe()).toBe('maximise yield (%)');
  });
});
