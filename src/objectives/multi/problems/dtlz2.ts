/**
 * DTLZ2 (Deb, Thiele, Laumanns & Zitzler 2002, "Scalable multi-objective optimization test
 * problems", CEC): m targets, all minimised, whose true front is the positive part of the unit
 * sphere, reached where every "distance" variable is 0.5.
 *
 *   g = Σ_{i ≥ m} (x_i − 0.5)²
 *   f_1 = (1 + g) cos(x_1 π/2) … cos(x_{m−1} π/2)
 *   f_k = (1 + g) cos(x_1 π/2) … cos(x_{m−k} π/2) sin(x_{m−k+1} π/2)
 *   f_m = (1 + g) sin(x_1 π/2)
 *
 * On the grid the m − 1 position variables take `positionLevels` values and the distance
 * variables `distanceLevels` values (both odd, so 0.5 is on the grid).
 */
import type { GridProblem } from './grid-problem.js';

export function dtlz2(x: readonly number[], m: number): number[] {
  let g = 0;
  for (let i = m - 1; i < x.length; i++) g += ((x[i] as number) - 0.5) ** 2;
  const f: number[] = [];
  for (let k = 0; k < m; k++) {
    let v = 1 + g;
    for (let i = 0; i < m - 1 - k; i++) v *= Math.cos(((x[i] as number) * Math.PI) / 2);
    if (k > 0) v *= Math.sin(((x[m - 1 - k] as number) * Math.PI) / 2);
    f.push(v);
  }
  return f;
}

export interface Dtlz2Options {
  objectives?: 2 | 3;
  /** Distance variables (k); default 2 for two targets, 1 for three (grid sizes 21·11² = 2,541 and 11³ = 1,331). */
  distanceVariables?: number;
  positionLevels?: number;
  distanceLevels?: number;
}

export function dtlz2Problem(options: Dtlz2Options = {}): GridProblem {
  const m = options.objectives ?? 2;
  const k = options.distanceVariables ?? (m === 2 ? 2 : 1);
  const positionLevels = options.positionLevels ?? (m === 2 ? 21 : 11);
  const distanceLevels = options.distanceLevels ?? 11;
  for (const [label, v] of [
    ['positionLevels', positionLevels],
    ['distanceLevels', distanceLevels],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 3 && v % 2 === 1)) throw new RangeError(`${label} must be an odd integer ≥ 3 (0.5 on the grid), got ${v}`);
  }
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`distanceVariables must be a positive integer, got ${k}`);
  const levels = (count: number) => Array.from({ length: count }, (_, i) => i / (count - 1));
  return {
    name: `dtlz2-${m}`,
    description: `DTLZ2 with ${m} targets, all minimised; ${m - 1 + k} variables on a grid`,
    citation: 'Deb, Thiele, Laumanns & Zitzler, Proc. CEC 2002, 825–830',
    variables: [
      ...Array.from({ length: m - 1 }, (_, i) => ({ name: `x${i + 1}`, levels: levels(positionLevels) })),
      ...Array.from({ length: k }, (_, i) => ({ name: `x${m + i}`, levels: levels(distanceLevels) })),
    ],
    targets: Array.from({ length: m }, (_, j) => ({ name: `f${j + 1}`, direction: 'minimise' as const })),
    evaluate: (x) => dtlz2(x, m),
  };
}
