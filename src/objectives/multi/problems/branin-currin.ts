/**
 * BraninCurrin: two targets on [0, 1]², both minimised, with a concave front (Belakaria, Deshwal &
 * Doppa 2019, "Max-value Entropy Search for Multi-Objective Bayesian Optimization", NeurIPS; the
 * form used by BoTorch's test problem). Branin on the rescaled square; Currin's exponential
 * function (Currin et al. 1991, JASA 86:953–963).
 */
import type { GridProblem } from './grid-problem.js';

export function braninRescaled(x1: number, x2: number): number {
  const u = 15 * x1 - 5;
  const v = 15 * x2;
  return (v - (5.1 / (4 * Math.PI ** 2)) * u * u + (5 / Math.PI) * u - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(u) + 10;
}

export function currin(x1: number, x2: number): number {
  // at x2 = 0 the exponential factor is 1 − e^(−∞) = 1
  const factor = x2 === 0 ? 1 : 1 - Math.exp(-1 / (2 * x2));
  return (factor * (2300 * x1 ** 3 + 1900 * x1 ** 2 + 2092 * x1 + 60)) / (100 * x1 ** 3 + 500 * x1 ** 2 + 4 * x1 + 20);
}

/** A (levels × levels) grid on [0, 1]² (default 41 × 41 = 1,681 points). */
export function braninCurrinProblem(levels = 41): GridProblem {
  if (!(Number.isInteger(levels) && levels >= 2)) throw new RangeError(`levels must be an integer ≥ 2, got ${levels}`);
  const grid = Array.from({ length: levels }, (_, i) => i / (levels - 1));
  return {
    name: 'branin-currin',
    description: 'BraninCurrin: Branin and Currin functions on the unit square, both minimised',
    citation: 'Belakaria, Deshwal & Doppa, NeurIPS 2019; Currin et al., JASA 86 (1991) 953',
    variables: [
      { name: 'x1', levels: grid },
      { name: 'x2', levels: grid },
    ],
    targets: [
      { name: 'branin', direction: 'minimise' },
      { name: 'currin', direction: 'minimise' },
    ],
    evaluate: ([x1 = 0, x2 = 0]) => [braninRescaled(x1, x2), currin(x1, x2)],
  };
}
