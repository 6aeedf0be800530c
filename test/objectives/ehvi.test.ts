import { describe, expect, it } from 'vitest';
import { expectedHypervolumeImprovement2d } from '../../src/objectives/multi/ehvi-2d.js';
import { exclusiveVolume } from '../../src/objectives/multi/hypervolume.js';
import { drawPosteriorSamples, type JointPosterior } from '../../src/objectives/multi/joint-posterior.js';
import { NoisyEhvi, selectBatchByEhvi, selectBatchByEhviInTurns } from '../../src/objectives/multi/noisy-ehvi.js';
import { normal, rngFor } from '../../src/util/random.js';

const diagonal = (variances: number[]) => variances.map((v, i) => variances.map((_, k) => (i === k ? v : 0)));

/** Brute-force Monte Carlo EHVI of one independent Gaussian point over a fixed front (maximisation). */
function bruteForceEhvi(front: number[][], reference: number[], mean: number[], sd: number[], draws: number, seed: number) {
  const rng = rngFor(seed, 'brute-ehvi');
  let sum = 0;
  let sumSq = 0;
  for (let s = 0; s < draws; s++) {
    const y = mean.map((m, j) => m + sd[j]! * normal(rng));
    const v = exclusiveVolume(y, front, reference);
    sum += v;
    sumSq += v * v;
  }
  const estimate = sum / draws;
  return { estimate, standardError: Math.sqrt((sumSq / draws - estimate ** 2) / draws) };
}

describe('closed-form 2-D EHVI', () => {
  const front = [
    [1, 5],
    [3, 3],
    [5, 1],
  ];
  const reference = [0, 0];

  it('a noise-free point gives exactly its exclusive hypervolume', () => {
    // (2.5, 4.2) adds [1, 2.5] × [3, 4.2] = 1.5 × 1.2
    expect(expectedHypervolumeImprovement2d(front, reference, [2.5, 4.2], [0, 0], ['maximise', 'maximise'])).toBeCloseTo(1.8, 12);
    expect(expectedHypervolumeImprovement2d([], reference, [2, 3], [0, 0], ['maximise', 'maximise'])).toBeCloseTo(6, 12);
  });

  it('agrees with brute-force Monte Carlo on uncertain points', () => {
    for (const [mean, sd] of [
      [[2.5, 4.2], [0.5, 0.8]],
      [[3, 3], [1, 1]],
      [[0.5, 0.5], [2, 0.3]],
    ] as const) {
      const exact = expectedHypervolumeImprovement2d(front, reference, mean, sd, ['maximise', 'maximise']);
      const { estimate, standardError } = bruteForceEhvi(front, reference, [...mean], [...sd], 40_000, 1);
      expect(Math.abs(exact - estimate)).toBeLessThan(4 * standardError + 1e-9);
      expect(exact).toBeGreaterThan(0);
    }
  });

  it('handles minimised targets by orientation', () => {
    // the same geometry with target 2 negated and minimised
    const minimisedFront = front.map(([a, b]) => [a!, -b!]);
    const a = expectedHypervolumeImprovement2d(front, reference, [2.5, 4.2], [0.5, 0.8], ['maximise', 'maximise']);
    const b = expectedHypervolumeImprovement2d(minimisedFront, [0, 0], [2.5, -4.2], [0.5, 0.8], ['maximise', 'minimise']);
    expect(b).toBeCloseTo(a, 12);
  });
});

describe('noisy EHVI by Monte Carlo over a joint posterior', () => {
  it('draws samples with the posterior mean and covariance', () => {
    const posterior: JointPosterior = {
      mean: [
        [1, 10],
        [2, 20],
      ],
      covariance: [
        [
          [1, 0.8],
          [0.8, 1],
        ],
        diagonal([4, 0.25]),
      ],
    };
    const samples = drawPosteriorSamples(posterior, ['maximise', 'minimise'], 20_000, rngFor(2, 'draws'));
    const at = (s: number, i: number, j: number) => samples.values[s]![i * 2 + j]!;
    const mean = (f: (s: number) => number) => Array.from({ length: samples.count }, (_, s) => f(s)).reduce((a, b) => a + b, 0) / samples.count;
    expect(mean((s) => at(s, 0, 0))).toBeCloseTo(1, 1);
    expect(mean((s) => at(s, 1, 1))).toBeCloseTo(-20, 1); // minimised: oriented by negation
    const cov01 = mean((s) => (at(s, 0, 0) - 1) * (at(s, 1, 0) - 2));
    expect(cov01).toBeCloseTo(0.8, 1);
    expect(mean((s) => (at(s, 0, 1) + 10) ** 2)).toBeCloseTo(4, 0);
  });

  it('draws independent points from their own σ exactly as from the diagonal covariance', () => {
    const mean = [
      [1, 10],
      [2, 20],
      [3, 30],
    ];
    const sd = [
      [0.5, 2],
      [1, 0.25],
      [0.1, 3],
    ];
    const dense = drawPosteriorSamples({ mean, covariance: [0, 1].map((j) => diagonal(sd.map((row) => row[j]! ** 2))) }, ['maximise', 'minimise'], 50, rngFor(3, 'draws'));
    const independent = drawPosteriorSamples({ mean, sd }, ['maximise', 'minimise'], 50, rngFor(3, 'draws'));
    for (let s = 0; s < 50; s++) {
      Array.from(independent.values[s]!).forEach((v, k) => expect(v).toBeCloseTo(dense.values[s]![k]!, 10));
    }
    const certain = drawPosteriorSamples({ mean, sd: [...sd.slice(0, 2), [0, 3]] }, ['maximise', 'minimise'], 5, rngFor(3, 'draws'));
    expect(certain.values.map((v) => v[2 * 2 + 0])).toEqual([3, 3, 3, 3, 3]); // σ 0: the mean itself, where a covariance would need jitter
    expect(() => drawPosteriorSamples({ mean, sd: [[1, 1]] }, ['maximise', 'minimise'], 5, rngFor(3, 'draws'))).toThrow(/sd has 1 points, expected 3/);
    expect(() => drawPosteriorSamples({ mean, sd: [...sd.slice(0, 2), [-1, 1]] }, ['maximise', 'minimise'], 5, rngFor(3, 'draws'))).toThrow(/point 2 target 0 must be a finite number ≥ 0/);
    expect(() => drawPosteriorSamples({ mean }, ['maximise', 'minimise'], 5, rngFor(3, 'draws'))).toThrow(/either a covariance per target or a standard deviation per point/);
  });

  it('EHVI of one point equals the closed form when the observed front is known', () => {
    // pool: three observed points with (almost) no posterior variance, one uncertain candidate
    const front = [
      [1, 5],
      [3, 3],
      [5, 1],
    ];
    const candidateMean = [2.5, 4.2];
    const sd = [0.5, 0.8];
    const posterior: JointPosterior = {
      mean: [...front, candidateMean],
      covariance: [diagonal([1e-12, 1e-12, 1e-12, sd[0]! ** 2]), diagonal([1e-12, 1e-12, 1e-12, sd[1]! ** 2])],
    };
    const ehvi = new NoisyEhvi({
      posterior,
      directions: ['maximise', 'maximise'],
      reference: [0, 0],
      observed: [0, 1, 2],
      pending: [],
      rng: rngFor(3, 'ehvi'),
      samples: 20_000,
    });
    const [estimate] = ehvi.values([3]);
    const exact = expectedHypervolumeImprovement2d(front, [0, 0], [2.5, 4.2], [0.5, 0.8], ['maximise', 'maximise']);
    const { standardError } = bruteForceEhvi(front, [0, 0], candidateMean, sd, 20_000, 4);
    expect(Math.abs(estimate! - exact)).toBeLessThan(4 * standardError);
    // an observed point, measured again, adds nothing
    expect(ehvi.values([1])).toEqual([0]);
  });

  it('the incumbent front is sampled at the observed points, not taken from noisy measurements', () => {
    // one observed point whose posterior is uncertain: the candidate's EHVI is the expectation
    // over where that incumbent really is, E[HV({y_obs, y_c})] − E[HV({y_obs})]
    const posterior: JointPosterior = {
      mean: [
        [2, 2],
        [2, 2],
      ],
      covariance: [diagonal([1, 0.01]), diagonal([1, 0.01])],
    };
    const ehvi = new NoisyEhvi({
      posterior,
      directions: ['maximise', 'maximise'],
      reference: [0, 0],
      observed: [0],
      pending: [],
      rng: rngFor(5, 'noisy-incumbent'),
      samples: 20_000,
    });
    const [value] = ehvi.values([1]);
    // brute force with the same model: incumbent ~ N((2,2), I), candidate ~ N((2,2), 0.01 I)
    const rng = rngFor(6, 'noisy-incumbent-brute');
    let sum = 0;
    const draws = 40_000;
    for (let s = 0; s < draws; s++) {
      const incumbent = [2 + normal(rng), 2 + normal(rng)];
      const candidate = [2 + 0.1 * normal(rng), 2 + 0.1 * normal(rng)];
      sum += exclusiveVolume(candidate, [incumbent], [0, 0]);
    }
    expect(value!).toBeCloseTo(sum / draws, 1);
    // trusting the mean (2, 2) as a noise-free incumbent would value the candidate far lower
    const trustingTheMean = expectedHypervolumeImprovement2d([[2, 2]], [0, 0], [2, 2], [0.1, 0.1], ['maximise', 'maximise']);
    expect(value!).toBeGreaterThan(3 * trustingTheMean);
  });

  it('a pending experiment is fantasised: the same point again gains nothing', () => {
    const posterior: JointPosterior = {
      mean: [
        [1, 1],
        [2, 2],
      ],
      covariance: [diagonal([0.01, 0.25]), diagonal([0.01, 0.25])],
    };
    const common = { posterior, directions: ['maximise', 'maximise'] as const, reference: [0, 0], observed: [0], rng: rngFor(7, 'pending') };
    const without = new NoisyEhvi({ ...common, pending: [], samples: 512 }).values([1]);
    const withPending = new NoisyEhvi({ ...common, pending: [1], samples: 512 }).values([1]);
    expect(without[0]!).toBeGreaterThan(1);
    expect(withPending).toEqual([0]);
  });

  it('greedy batch skips a near-copy of its first choice for a point in another gap of the front', () => {
    const front = [
      [1, 5],
      [3, 3],
      [5, 1],
    ];
    // candidates: A (2.5, 4.2) adds 1.8, A′ almost perfectly correlated with A, B (4.2, 2.4) adds 1.68
    const sd = 0.2;
    const c = 0.999 * sd * sd;
    const tiny = 1e-12;
    const block = (v: number) => [
      [tiny, 0, 0, 0, 0, 0],
      [0, tiny, 0, 0, 0, 0],
      [0, 0, tiny, 0, 0, 0],
      [0, 0, 0, v, c, 0],
      [0, 0, 0, c, v, 0],
      [0, 0, 0, 0, 0, v],
    ];
    const posterior: JointPosterior = {
      mean: [...front, [2.5, 4.2], [2.5, 4.2], [4.2, 2.4]],
      covariance: [block(sd * sd), block(sd * sd)],
    };
    const input = {
      posterior,
      directions: ['maximise', 'maximise'] as const,
      reference: [0, 0],
      observed: [0, 1, 2],
      pending: [],
      candidates: [3, 4, 5],
      rng: rngFor(8, 'greedy'),
      samples: 1024,
    };
    const batch = selectBatchByEhvi({ ...input, batchSize: 2 });
    expect([3, 4]).toContain(batch.chosen[0]);
    expect(batch.chosen[1]).toBe(5);
    expect(batch.values[1]!).toBeGreaterThan(1.3);
    // a weight (e.g. probability of feasibility) of 0 on A and A′ moves B first
    const weighted = selectBatchByEhvi({ ...input, rng: rngFor(8, 'greedy'), batchSize: 1, candidateWeights: [0, 0, 1] });
    expect(weighted.chosen).toEqual([5]);
  });

  it('works for three targets and minimised targets', () => {
    const posterior: JointPosterior = {
      mean: [
        [1, 1, 1],
        [0.5, 2, 0.5],
      ],
      covariance: [diagonal([1e-12, 0.01]), diagonal([1e-12, 0.01]), diagonal([1e-12, 0.01])],
    };
    const maximised = new NoisyEhvi({
      posterior,
      directions: ['maximise', 'maximise', 'maximise'],
      reference: [0, 0, 0],
      observed: [0],
      pending: [],
      rng: rngFor(9, 'three'),
    }).values([1])[0]!;
    // noise-free: 0.5·2·0.5 − 0.5·1·0.5 = 0.25
    expect(maximised).toBeCloseTo(0.25, 1);
    const flipped: JointPosterior = { mean: posterior.mean.map((p) => p.map((v) => -v)), covariance: posterior.covariance };
    const minimised = new NoisyEhvi({
      posterior: flipped,
      directions: ['minimise', 'minimise', 'minimise'],
      reference: [0, 0, 0],
      observed: [0],
      pending: [],
      rng: rngFor(9, 'three'),
    }).values([1])[0]!;
    // same distribution, mirrored draws: equal within Monte Carlo error
    expect(minimised).toBeCloseTo(maximised, 1);
  });

  it('chooses the same batch when it hands the event loop back between steps', async () => {
    // 100 candidates: more than one step of candidates per pick
    const n = 104;
    const rng = rngFor(3, 'pool');
    const mean = Array.from({ length: n }, () => [normal(rng), normal(rng)]);
    const posterior: JointPosterior = { mean, covariance: [diagonal(Array(n).fill(0.05)), diagonal(Array(n).fill(0.05))] };
    const input = { posterior, directions: ['maximise', 'maximise'] as const, reference: [-3, -3], observed: [0, 1, 2, 3], pending: [], candidates: Array.from({ length: 100 }, (_, k) => k + 4), batchSize: 4, samples: 64 };
    let pauses = 0;
    const inTurns = await selectBatchByEhviInTurns({ ...input, rng: rngFor(5, 'batch') }, async () => {
      pauses++;
    });
    expect(inTurns).toEqual(selectBatchByEhvi({ ...input, rng: rngFor(5, 'batch') }));
    expect(pauses).toBeGreaterThanOrEqual(4 * 3); // every pick scores its candidates in several steps
  });

  it('names a bad pool index or weight', () => {
    const posterior: JointPosterior = { mean: [[1, 1]], covariance: [[[1]], [[1]]] };
    const base = { posterior, directions: ['maximise', 'maximise'] as const, reference: [0, 0], observed: [], pending: [], rng: rngFor(1, 'x') };
    expect(() => selectBatchByEhvi({ ...base, candidates: [2], batchSize: 1 })).toThrow(/candidates: pool index 2/);
    expect(() => selectBatchByEhvi({ ...base, candidates: [0], batchSize: 1, candidateWeights: [-1] })).toThrow(/candidateWeights\[0\]/);
    expect(() => new NoisyEhvi({ ...base, posterior: { mean: [[1, 1]], covariance: [[[1]]] } })).toThrow(/one per target/);
  });
});
