import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/objectives/multi/orientation.js';
import { dominates, nonDominatedIndices, paretoFront } from '../../src/objectives/multi/pareto.js';
import { rngFor } from '../../src/util/random.js';

describe('Pareto filter', () => {
  it('keeps the non-dominated points of a two-target maximisation', () => {
    const points = [
      [1, 5],
      [2, 4],
      [3, 1],
      [1.5, 3.5], // dominated by (2, 4)
      [0, 6],
      [2, 2], // dominated by (2, 4)
    ];
    expect(nonDominatedIndices(points, ['maximise', 'maximise'])).toEqual([0, 1, 2, 4]);
  });

  it('respects each target direction', () => {
    // yield maximised, impurity minimised
    const points = [
      [80, 5],
      [70, 2],
      [75, 6], // worse than (80, 5) on both
      [60, 2], // same impurity as (70, 2), lower yield
    ];
    expect(nonDominatedIndices(points, ['maximise', 'minimise'])).toEqual([0, 1]);
    expect(dominates([70, 2], [60, 2], ['maximise', 'minimise'])).toBe(true);
    expect(dominates([60, 2], [70, 2], ['maximise', 'minimise'])).toBe(false);
  });

  it('a tie on one target does not protect a point that is worse on another', () => {
    const points = [
      [5, 3],
      [5, 2],
      [4, 3],
    ];
    expect(nonDominatedIndices(points, ['maximise', 'maximise'])).toEqual([0]);
  });

  it('keeps every copy of a duplicated front point by default, the first copy on request', () => {
    const points = [
      [1, 2],
      [2, 1],
      [1, 2],
      [0, 0],
      [2, 1],
    ];
    expect(nonDominatedIndices(points, ['maximise', 'maximise'])).toEqual([0, 1, 2, 4]);
    expect(nonDominatedIndices(points, ['maximise', 'maximise'], { duplicates: 'keep-first' })).toEqual([0, 1]);
    expect(paretoFront(points, ['maximise', 'maximise'], { duplicates: 'keep-first' })).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it('duplicates of a dominated point are all dropped', () => {
    const points = [
      [3, 3],
      [1, 1],
      [1, 1],
    ];
    expect(nonDominatedIndices(points, ['minimise', 'minimise'])).toEqual([1, 2]);
    expect(nonDominatedIndices(points, ['maximise', 'maximise'])).toEqual([0]);
  });

  it('matches the definition on random points with three and four targets', () => {
    const rng = rngFor(7, 'pareto-test');
    for (const m of [3, 4]) {
      // coarse values so that ties and duplicates occur
      const points = Array.from({ length: 120 }, () => Array.from({ length: m }, () => Math.floor(rng() * 5)));
      const directions: Direction[] = Array.from({ length: m }, (_, j) => (j % 2 === 0 ? 'maximise' : 'minimise'));
      const expected = points
        .map((p, i) => (points.some((q) => dominates(q, p, directions)) ? -1 : i))
        .filter((i) => i >= 0);
      expect(nonDominatedIndices(points, directions)).toEqual(expected);
    }
  });

  it('names the point and target of a value that is not a number', () => {
    expect(() => nonDominatedIndices([[1, 2], [3, Number.NaN]], ['maximise', 'maximise'])).toThrow(/point 1 target 1/);
    expect(() => nonDominatedIndices([[1, 2], [3]], ['maximise', 'maximise'])).toThrow(/point 1 has 1 targets/);
  });

  it('a single point and an empty set', () => {
    expect(nonDominatedIndices([[1, 1]], ['maximise', 'minimise'])).toEqual([0]);
    expect(nonDominatedIndices([], ['maximise'])).toEqual([]);
  });
});
