import { describe, expect, it } from 'vitest';
import { anovaCampaign, anovaStructure } from '../bench/suite/anova-oracle.js';
import { median } from '../src/models/metrics.js';

/** A full 10 × 12 factorial whose value is the sum of one effect per level of each factor, plus a known interaction. */
function factorial(interaction: number) {
  const a = Array.from({ length: 10 }, (_, i) => Math.sin(i * 1.7) * 3);
  const b = Array.from({ length: 12 }, (_, j) => Math.cos(j * 2.3) * 2);
  const codes = [new Int32Array(120), new Int32Array(120)];
  const y = new Float64Array(120);
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 12; j++) {
      const row = i * 12 + j;
      codes[0]![row] = i;
      codes[1]![row] = j;
      y[row] = 10 + a[i]! + b[j]! + interaction * (i === 3 && j === 5 ? 4 : 0);
    }
  }
  return { codes, y, a, b };
}

describe('the ANOVA learning oracle of bench:suite-oracle', () => {
  it('decomposes an additive landscape into its main effects and no noise', () => {
    const { codes, y, a, b } = factorial(0);
    const s = anovaStructure(codes, y, 2);
    const variance = (xs: number[]) => {
      const m = xs.reduce((p, q) => p + q, 0) / xs.length;
      return xs.reduce((p, q) => p + (q - m) ** 2, 0) / xs.length;
    };
    expect(s.terms).toEqual([[0], [1], [0, 1]]);
    expect(s.mean).toBeCloseTo(y.reduce((p, q) => p + q, 0) / 120, 10);
    expect(s.variances[0]).toBeCloseTo(variance(a), 10);
    expect(s.variances[1]).toBeCloseTo(variance(b), 10);
    expect(s.variances[2]).toBeLessThan(1e-12);
    // the floor that keeps the covariance positive definite: a billionth of the variance
    expect(s.noise).toBeLessThan(1e-8 * (s.variances[0]! + s.variances[1]!));
  });

  it('gives an interaction its own variance at order 2 and leaves it as noise at order 1', () => {
    const { codes, y } = factorial(1);
    expect(anovaStructure(codes, y, 2).variances[2]).toBeGreaterThan(0.05);
    expect(anovaStructure(codes, y, 1).noise).toBeGreaterThan(0.05);
  });

  it('learns an additive landscape: finds its best row far sooner than random search', () => {
    const { codes, y } = factorial(0);
    const best = y.indexOf(Math.max(...y));
    const isTop = Array.from(y, (_, i) => i === best);
    const structure = anovaStructure(codes, y, 1);
    const runs = Array.from({ length: 10 }, (_, s) => anovaCampaign(structure, y, isTop, { seed: s + 1, budget: 100, batch: 5, beta: 2, label: 'test' }));
    expect(runs.every((r) => r !== null)).toBe(true);
    // random search expects (120 + 1) / 2 = 60.5 draws for one row among 120
    expect(median(runs.map((r) => r!))).toBeLessThan(30);
  });

  it('reports a miss when no row is a top row, after testing the whole budget', () => {
    const { codes, y } = factorial(0);
    const structure = anovaStructure(codes, y, 1);
    expect(anovaCampaign(structure, y, Array(120).fill(false), { seed: 1, budget: 40, batch: 5, beta: 2, label: 'test' })).toBeNull();
  });
});
