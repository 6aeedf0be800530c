import { describe, expect, it } from 'vitest';
import { screenCandidates } from '../../src/objectives/multi/candidate-screen.js';
import { rngFor } from '../../src/util/random.js';

describe('candidate screening for EHVI', () => {
  const observedMean = [
    [1, 5],
    [3, 3],
    [5, 1],
  ];
  // yield-like target maximised, impurity-like target minimised (second target negated below)
  const base = {
    observedMean: observedMean.map(([a, b]) => [a!, -b!]),
    directions: ['maximise', 'minimise'] as const,
    reference: [0, 0],
  };

  it('ranks by the optimistic exclusive volume and adds random others', () => {
    const mean = [
      [2, -2], // inside the front: nothing even at +σ
      [2.5, -4.2], // adds 1.8 at its mean
      [4.2, -2.4], // adds 1.68 at its mean
      [0.5, -0.5],
      [1, -1],
    ];
    const sd = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0.1, 0.1],
      [0.1, 0.1],
    ];
    const picked = screenCandidates({ ...base, mean, sd, keep: 2, explore: 1, rng: rngFor(1, 'screen') });
    expect(picked.slice(0, 2)).toEqual([1, 2]);
    expect(picked).toHaveLength(3);
    expect([0, 3, 4]).toContain(picked[2]);
  });

  it('optimism lets an uncertain point in: large σ beats a certain dominated mean', () => {
    const mean = [
      [2, -2],
      [2, -2],
    ];
    const sd = [
      [0, 0],
      [2, 2],
    ];
    expect(screenCandidates({ ...base, mean, sd, keep: 1, explore: 0, rng: rngFor(2, 'screen') })).toEqual([1]);
    expect(() => screenCandidates({ ...base, mean, sd: [[0, 0]], keep: 1, explore: 0, rng: rngFor(2, 'screen') })).toThrow(/sd has 1 rows/);
  });
});
