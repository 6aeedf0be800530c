import { describe, expect, it } from 'vitest';
import { experimentCost, improvementPerCost } from '../../src/objectives/multi/cost-aware.js';
import { desirability, overallDesirability, validateDesirability } from '../../src/objectives/multi/desirability.js';
import { isFeasible, jointProbabilityOfFeasibility, probabilityOfFeasibility } from '../../src/objectives/multi/feasibility.js';
import { chebyshevScalariser, parEgoRound, randomSimplexWeights } from '../../src/objectives/multi/parego.js';
import { nonDominatedIndices } from '../../src/objectives/multi/pareto.js';
import { rngFor } from '../../src/util/random.js';

describe('desirability', () => {
  it('larger-is-better, linear and with an exponent, clipped to 0–1', () => {
    const shape = { kind: 'larger-is-better', lower: 50, upper: 90 } as const;
    expect(desirability(40, shape)).toBe(0);
    expect(desirability(50, shape)).toBe(0);
    expect(desirability(70, shape)).toBeCloseTo(0.5, 12);
    expect(desirability(95, shape)).toBe(1);
    expect(desirability(70, { ...shape, exponent: 2 })).toBeCloseTo(0.25, 12);
    expect(desirability(60, { ...shape, exponent: 0.5 })).toBeCloseTo(0.5, 12); // √0.25
  });

  it('smaller-is-better', () => {
    const shape = { kind: 'smaller-is-better', lower: 1, upper: 5, exponent: 2 } as const;
    expect(desirability(0.5, shape)).toBe(1);
    expect(desirability(2, shape)).toBeCloseTo(0.5625, 12); // ((5−2)/4)² = 0.75²
    expect(desirability(5, shape)).toBe(0);
    expect(desirability(7, shape)).toBe(0);
  });

  it('target-is-best with different exponents on each side', () => {
    const shape = { kind: 'target-is-best', lower: 6, target: 7, upper: 9, lowerExponent: 1, upperExponent: 2 } as const;
    expect(desirability(7, shape)).toBe(1);
    expect(desirability(6.5, shape)).toBeCloseTo(0.5, 12);
    expect(desirability(8, shape)).toBeCloseTo(0.25, 12); // ((9−8)/2)²
    expect(desirability(5.9, shape)).toBe(0);
    expect(desirability(9.1, shape)).toBe(0);
  });

  it('weighted geometric mean of the targets, 0 when any target is 0', () => {
    const targets = [
      { name: 'yield', shape: { kind: 'larger-is-better', lower: 0, upper: 100 } as const, weight: 2 },
      { name: 'impurity', shape: { kind: 'smaller-is-better', lower: 0, upper: 10 } as const, weight: 1 },
    ];
    // d = 0.8 and 0.5: (0.8² · 0.5)^(1/3)
    expect(overallDesirability([80, 5], targets)).toBeCloseTo((0.64 * 0.5) ** (1 / 3), 12);
    expect(overallDesirability([80, 12], targets)).toBe(0);
    expect(() => overallDesirability([80, 5], [targets[0]!, { ...targets[1]!, weight: 0 }])).toThrow(/weight of impurity must be > 0/);
  });

  it('rejects shapes that make no sense, naming the target', () => {
    expect(() => validateDesirability('ee', { kind: 'larger-is-better', lower: 5, upper: 5 })).toThrow(/desirability of ee: lower/);
    expect(() => validateDesirability('pH', { kind: 'target-is-best', lower: 6, target: 9, upper: 8 })).toThrow(/target \(9\)/);
    expect(() => validateDesirability('ee', { kind: 'larger-is-better', lower: 0, upper: 1, exponent: -1 })).toThrow(/exponent must be > 0/);
  });
});

describe('probability of feasibility', () => {
  it('Φ((c − μ)/σ) for an upper limit and Φ((μ − c)/σ) for a lower one', () => {
    const limit = { target: 'impurity', operator: '<=', bound: 2 } as const;
    expect(probabilityOfFeasibility(limit, { mean: 2, sd: 1 })).toBeCloseTo(0.5, 7);
    expect(probabilityOfFeasibility(limit, { mean: 1, sd: 1 })).toBeCloseTo(0.8413447, 6); // Φ(1)
    expect(probabilityOfFeasibility(limit, { mean: 4, sd: 1 })).toBeCloseTo(0.0227501, 6); // Φ(−2)
    expect(probabilityOfFeasibility({ target: 'ee', operator: '>=', bound: 90 }, { mean: 92, sd: 2 })).toBeCloseTo(0.8413447, 6);
    expect(probabilityOfFeasibility(limit, { mean: 1.9, sd: 0 })).toBe(1);
    expect(probabilityOfFeasibility(limit, { mean: 2.1, sd: 0 })).toBe(0);
  });

  it('several constraints multiply; observed results are checked directly', () => {
    const constraints = [
      { target: 'impurity', operator: '<=', bound: 2 },
      { target: 'ee', operator: '>=', bound: 90 },
    ] as const;
    const p = jointProbabilityOfFeasibility(constraints, { impurity: { mean: 1, sd: 1 }, ee: { mean: 90, sd: 3 } });
    expect(p).toBeCloseTo(0.8413447 * 0.5, 6);
    expect(() => jointProbabilityOfFeasibility(constraints, { impurity: { mean: 1, sd: 1 } })).toThrow(/constraint on ee/);
    expect(isFeasible(constraints, { impurity: 1.5, ee: 91 })).toBe(true);
    expect(isFeasible(constraints, { impurity: 2.5, ee: 91 })).toBe(false);
    expect(isFeasible(constraints, { impurity: 1.5 })).toBe(false);
  });
});

describe('cost-aware acquisition', () => {
  it('improvement per unit cost, softened by an exponent', () => {
    expect(improvementPerCost(0.6, 3)).toBeCloseTo(0.2, 12);
    expect(improvementPerCost(0.6, 4, 0.5)).toBeCloseTo(0.3, 12);
    expect(improvementPerCost(0.6, 4, 0)).toBeCloseTo(0.6, 12);
    expect(() => improvementPerCost(1, 0)).toThrow(/cost must be a positive/);
  });

  it('adds the per-experiment cost and the cost of each substance chosen', () => {
    const costs = { catalyst: { 'Pd(OAc)2': 12.5, 'NiCl2': 1.5 }, base: { K2CO3: 0.2 } };
    expect(experimentCost({ catalyst: 'Pd(OAc)2', base: 'K2CO3', solvent: 'THF' }, costs, 5)).toBeCloseTo(17.7, 12);
    expect(() => experimentCost({ catalyst: 'CuI' }, costs)).toThrow(/no cost for catalyst = CuI/);
  });
});

describe('ParEGO scalarisation', () => {
  it('weights are uniform on the simplex', () => {
    const rng = rngFor(1, 'simplex');
    const draws = Array.from({ length: 4000 }, () => randomSimplexWeights(3, rng));
    for (const w of draws.slice(0, 10)) expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // the flat Dirichlet(1,1,1) has marginal mean 1/3 and P(w₀ > 1/2) = (1/2)² = 1/4
    const mean0 = draws.reduce((s, w) => s + w[0]!, 0) / draws.length;
    const above = draws.filter((w) => w[0]! > 0.5).length / draws.length;
    expect(mean0).toBeCloseTo(1 / 3, 1);
    expect(Math.abs(above - 0.25)).toBeLessThan(0.03);
  });

  it('augmented Chebyshev value of hand-computed points', () => {
    // yield maximised (range 40–80), impurity minimised (range 1–5)
    const observed = [
      [80, 5],
      [40, 1],
      [60, 3],
    ];
    const s = chebyshevScalariser(observed, ['maximise', 'minimise'], [0.25, 0.75]);
    // (80, 5): f̂ = (0, 1) → max(0, 0.75) + 0.05·0.75 = 0.7875
    expect(s.scalarise([80, 5])).toBeCloseTo(-0.7875, 12);
    // (60, 3): f̂ = (0.5, 0.5) → max(0.125, 0.375) + 0.05·0.5 = 0.4
    expect(s.scalarise([60, 3])).toBeCloseTo(-0.4, 12);
    expect(s.scalarise([60, null])).toBeNull();
  });

  it('the best row under any weights is on the Pareto front', () => {
    const rng = rngFor(2, 'parego');
    const observed = Array.from({ length: 40 }, () => [rng() * 100, rng() * 10]);
    const front = new Set(nonDominatedIndices(observed, ['maximise', 'minimise']));
    for (let round = 0; round < 20; round++) {
      const { values } = parEgoRound(observed, ['maximise', 'minimise'], rng);
      const best = values.reduce<number>((b, v, i) => (v! > values[b]! ? i : b), 0);
      expect(front.has(best)).toBe(true);
    }
  });
});
