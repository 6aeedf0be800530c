/**
 * Closed-form test functions on the unit cube, each normalised so that 1 is its best value and 0
 * its worst (or near it): a known landscape for testing planners on numeric spaces.
 *   peaks      any dimension: three Gaussian bumps at seeded places (heights 1, 0.75, 0.5)
 *   branin     2-D: the Branin–Hoo function, min 0.397887 on [-5, 10] × [0, 15]
 *   hartmann6  6-D: the Hartmann function, min −3.32237 on [0, 1]^6
 */
import { rngFor } from '../util/random.js';

export type AnalyticFunctionName = 'peaks' | 'branin' | 'hartmann6';

export const ANALYTIC_DIMENSIONS: Record<AnalyticFunctionName, number | undefined> = { peaks: undefined, branin: 2, hartmann6: 6 };

/** x in [0, 1]^D → score in [0, 1], higher is better. */
export type UnitFunction = (x: readonly number[]) => number;

export function analyticFunction(name: AnalyticFunctionName, dimensions: number, seed: number): UnitFunction {
  const wanted = ANALYTIC_DIMENSIONS[name];
  if (wanted !== undefined && wanted !== dimensions) throw new Error(`${name} is defined for ${wanted} dimensions, not ${dimensions}`);
  switch (name) {
    case 'peaks':
      return peaks(dimensions, seed);
    case 'branin':
      return branin;
    case 'hartmann6':
      return hartmann6;
  }
}

function peaks(dimensions: number, seed: number): UnitFunction {
  const rng = rngFor(seed, 'analytic-peaks');
  const bumps = [
    { height: 1, width: 0.18 },
    { height: 0.75, width: 0.25 },
    { height: 0.5, width: 0.3 },
  ].map((b) => ({ ...b, centre: Array.from({ length: dimensions }, () => 0.1 + 0.8 * rng()) }));
  return (x) =>
    Math.max(
      ...bumps.map(({ height, width, centre }) => {
        const d2 = x.reduce((s, xi, i) => s + (xi - (centre[i] as number)) ** 2, 0);
        return height * Math.exp(-d2 / (2 * width * width * dimensions));
      }),
    );
}

const BRANIN_MIN = 0.397887;
const BRANIN_MAX = 308.129; // at (-5, 0), the largest value on the domain

const branin: UnitFunction = ([u1 = 0, u2 = 0]) => {
  const x1 = -5 + 15 * u1;
  const x2 = 15 * u2;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  const value = (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  return 1 - (value - BRANIN_MIN) / (BRANIN_MAX - BRANIN_MIN);
};

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
  [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
  [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665],
  [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];
const HARTMANN_MIN = -3.32237;

const hartmann6: UnitFunction = (x) => {
  let sum = 0;
  HARTMANN_ALPHA.forEach((alpha, i) => {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += (HARTMANN_A[i]?.[j] as number) * ((x[j] ?? 0) - (HARTMANN_P[i]?.[j] as number)) ** 2;
    sum += alpha * Math.exp(-inner);
  });
  return sum / -HARTMANN_MIN; // −h / |min|: 1 at the global minimum, 0 far from every well
};
