import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../src/objectives/multi/hypervolume.js';
import { braninCurrinProblem, braninRescaled, currin } from '../../src/objectives/multi/problems/branin-currin.js';
import { dtlz2, dtlz2Problem } from '../../src/objectives/multi/problems/dtlz2.js';
import {
  evaluateNamed,
  experimentsToFraction,
  gridPoints,
  hypervolumeTrace,
  solveGridProblem,
} from '../../src/objectives/multi/problems/grid-problem.js';
import { multiObjectiveProblem } from '../../src/objectives/multi/problems/index.js';
import { integrate } from '../../src/objectives/multi/problems/ode.js';
import { SNAR_MOLAR_MASSES, snarOutlet, snarProblem, snarRateConstant, snarTargets } from '../../src/objectives/multi/problems/snar.js';

describe('Dormand–Prince integration', () => {
  it('exponential decay and a harmonic oscillator over ten periods', () => {
    const decay = integrate((_t, [y = 0]) => [-3 * y], 0, 2, [1]);
    expect(decay.y[0]).toBeCloseTo(Math.exp(-6), 8);
    const oscillator = integrate((_t, [x = 0, v = 0]) => [v, -x], 0, 20 * Math.PI, [1, 0], { rtol: 1e-9, atol: 1e-12 });
    expect(oscillator.y[0]).toBeCloseTo(1, 6);
    expect(oscillator.y[1]).toBeCloseTo(0, 6);
    expect(oscillator.rejectedSteps + oscillator.acceptedSteps).toBeLessThan(5000);
  });

  it('second-order kinetics A + B → C against the closed form', () => {
    const k = 2.5;
    const a0 = 0.3;
    const b0 = 0.5;
    const t = 1.7;
    const { y } = integrate((_t, [a = 0, b = 0]) => [-k * a * b, -k * a * b, k * a * b], 0, t, [a0, b0, 0], { rtol: 1e-9, atol: 1e-12 });
    const e = Math.exp((a0 - b0) * k * t);
    const x = (a0 * b0 * (e - 1)) / (e * a0 - b0);
    expect(y[2]).toBeCloseTo(x, 8);
  });

  it('refuses to run backwards', () => {
    expect(() => integrate(() => [0], 1, 0, [0])).toThrow(/forward/);
  });
});

describe('benchmark problems', () => {
  it('BraninCurrin at hand-computed points', () => {
    // Branin's minimum 0.397887 at (π, 2.275) in its own coordinates
    expect(braninRescaled((Math.PI + 5) / 15, 2.275 / 15)).toBeCloseTo(0.397887, 5);
    // Currin at (0.5, 0.5): (1 − e⁻¹)·1868.5/159.5
    expect(currin(0.5, 0.5)).toBeCloseTo((1 - Math.exp(-1)) * (1868.5 / 159.5), 10);
    expect(currin(0.5, 0)).toBeCloseTo(1868.5 / 159.5, 10);
    expect(braninCurrinProblem().evaluate([0.5, 0.5])).toEqual([braninRescaled(0.5, 0.5), currin(0.5, 0.5)]);
  });

  it('DTLZ2: the grid front is exactly the points with every distance variable at 0.5, on the unit sphere', () => {
    for (const objectives of [2, 3] as const) {
      const solved = solveGridProblem(dtlz2Problem({ objectives }));
      const onSphere = solved.points
        .map((x, i) => (x.slice(objectives - 1).every((v) => v === 0.5) ? i : -1))
        .filter((i) => i >= 0);
      expect(solved.frontIndices).toEqual(onSphere);
      for (const i of solved.frontIndices) expect(Math.hypot(...solved.values[i]!)).toBeCloseTo(1, 12);
      expect(solved.reference).toEqual(solved.problem.targets.map(() => expect.closeTo(1.1, 12)));
    }
    // the continuous front's hypervolume above (1.1, 1.1) is 1.21 − π/4; the 21-point grid front is a little below it
    const solved2 = solveGridProblem(dtlz2Problem({ objectives: 2 }));
    expect(solved2.frontHypervolume).toBeLessThan(1.21 - Math.PI / 4);
    expect(solved2.frontHypervolume).toBeGreaterThan(0.95 * (1.21 - Math.PI / 4));
    // f = (cos x₁π/2 · cos x₂π/2, cos x₁π/2 · sin x₂π/2, sin x₁π/2) when g = 0
    const f = dtlz2([0, 0.5, 0.5], 3);
    [Math.SQRT1_2, Math.SQRT1_2, 0].forEach((v, j) => expect(f[j]).toBeCloseTo(v, 12));
    const g = dtlz2([1, 0, 0.75], 3); // g = 0.0625
    [0, 0, 1.0625].forEach((v, j) => expect(g[j]).toBeCloseTo(v, 12));
  });

  it('SnAr: rate constants, mass balances and the targets from the outlet', () => {
    expect(snarRateConstant('a', 90)).toBeCloseTo(0.6 * 57.9, 10);
    // Arrhenius: k_a(60 °C)/k_a(90 °C) = exp(−33.3/R·(1/333.15 − 1/363.15))
    expect(snarRateConstant('a', 60) / snarRateConstant('a', 90)).toBeCloseTo(Math.exp((-33.3 / 8.314e-3) * (1 / 333.15 - 1 / 363.15)), 12);
    const [c1, c2, c3, c4, c5] = snarOutlet(1.5, 2.5, 0.3, 80) as [number, number, number, number, number];
    expect(c1 + c3 + c4 + c5).toBeCloseTo(0.3, 8); // every aromatic ring accounted for
    expect(c2 + c3 + c4 + 2 * c5).toBeCloseTo(0.75, 8); // pyrrolidine: one per substitution
    expect(c3).toBeGreaterThan(c4); // ortho substitution is ~20× faster
    const [sty, eFactor] = snarTargets(1.5, 2.5, 0.3, 80);
    expect(sty).toBeCloseTo((60 * SNAR_MOLAR_MASSES[2] * c3) / 1.5, 8);
    const waste = 789 + SNAR_MOLAR_MASSES[0] * c1 + SNAR_MOLAR_MASSES[1] * c2 + SNAR_MOLAR_MASSES[3] * c4 + SNAR_MOLAR_MASSES[4] * c5;
    expect(eFactor).toBeCloseTo(waste / (SNAR_MOLAR_MASSES[2] * c3), 8);
    // hotter and longer converts more of 1
    expect(snarOutlet(2, 2, 0.3, 120)[0]!).toBeLessThan(snarOutlet(0.5, 2, 0.3, 30)[0]!);
  });

  it('SnAr grid: 3,150 points, a true front trading space-time yield against E-factor', () => {
    const solved = solveGridProblem(snarProblem());
    expect(solved.points).toHaveLength(7 * 9 * 5 * 10);
    const front = solved.frontIndices.map((i) => solved.values[i]!).sort((a, b) => a[0]! - b[0]!);
    expect(front.length).toBeGreaterThan(3);
    // along the front, more space-time yield costs a higher E-factor
    for (let i = 1; i < front.length; i++) expect(front[i]![1]!).toBeGreaterThanOrEqual(front[i - 1]![1]!);
    expect(solved.frontHypervolume).toBeCloseTo(
      hypervolume(front, solved.reference, ['maximise', 'minimise']),
      8,
    );
  });

  it('hypervolume trace and experiments to 95 % of the true front', () => {
    const solved = solveGridProblem(dtlz2Problem({ objectives: 2 }));
    // results in grid order: the trace never falls, and ends at the front's hypervolume
    const trace = hypervolumeTrace(solved, solved.values);
    for (let i = 1; i < trace.length; i++) expect(trace[i]!).toBeGreaterThanOrEqual(trace[i - 1]!);
    expect(trace.at(-1)).toBeCloseTo(solved.frontHypervolume, 12);
    // the front itself, first: reaches 95 % within the front's size
    const frontFirst = solved.frontIndices.map((i) => solved.values[i]!);
    const k = experimentsToFraction(solved, frontFirst);
    expect(k).not.toBeNull();
    expect(k!).toBeLessThanOrEqual(frontFirst.length);
    expect(experimentsToFraction(solved, frontFirst.slice(0, 2))).toBeNull();
  });

  it('grid points, named evaluation and the registry', () => {
    expect(gridPoints([
      { name: 'a', levels: [0, 1] },
      { name: 'b', levels: [5, 6, 7] },
    ])).toEqual([[0, 5], [0, 6], [0, 7], [1, 5], [1, 6], [1, 7]]);
    const snar = multiObjectiveProblem('snar');
    const named = evaluateNamed(snar, { residence_time: 1.5, equivalents: 2.5, concentration: 0.3, temperature: 80 });
    expect(named.space_time_yield).toBeCloseTo(snarTargets(1.5, 2.5, 0.3, 80)[0], 12);
    expect(() => evaluateNamed(snar, { residence_time: 1 })).toThrow(/needs a number for equivalents/);
    expect(() => evaluateNamed(snar, { residence_time: 1, pressure: 2 })).toThrow(/no variable pressure/);
    expect(() => multiObjectiveProblem('zdt1')).toThrow(/unknown multi-objective problem zdt1/);
  });
});
