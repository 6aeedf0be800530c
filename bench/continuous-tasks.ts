/**
 * The continuous tasks of bench:continuous, each with its real parameters (units, ranges), the
 * objective the planner sees, the known optimum that the 95 % / 99 % targets are measured against,
 * and the grid the same space is discretised on for the discrete planner's comparison.
 *  - branin, hartmann6: the lab's closed-form functions on the unit cube, already normalised
 *    (1 at the optimum, 0 at the domain's worst point; src/lab-adapters/analytic-functions.ts);
 *  - snar: the SnAr kinetic model of Hone et al. 2017 (src/objectives/multi/problems/snar.ts, the
 *    same implementation the multi-objective benchmark uses) as one objective: the space-time
 *    yield of the ortho product, maximised (the first of the two targets of Schweidtmann et al.
 *    2018 and Summit's SnarBenchmark), over Summit's continuous ranges. Its optimum is not
 *    published for our corrected model (docs of snar.ts: k_b for the para product, 273.15 K), so
 *    it is found here by a dense multistart search (snarOptimum);
 *  - cn_baumgartner (mixed categorical/continuous): the aniline C–N cross-coupling of Baumgartner
 *    et al. 2019 served by a GP emulator fitted to the published data (bench/cn-emulator.ts).
 */
import { analyticFunction } from '../src/lab-adapters/analytic-functions.js';
import { minimizeLbfgs } from '../src/models/lbfgs.js';
import { snarProblem, snarTargets } from '../src/objectives/multi/problems/snar.js';
import type { ContinuousParameter, Parameter, ParameterValue } from '../src/planner/parameters.js';
import { SobolSequence } from '../src/planner/mixed/sobol.js';
import { CN_PARAMETERS, cnEmulator, cnOptimum } from './cn-emulator.js';

export type Values = Record<string, ParameterValue>;
/** The parameters a task may have: continuous conditions and categories. */
export type TaskParameter = ContinuousParameter | Extract<Parameter, { kind: 'categorical' }>;

export interface ContinuousTask {
  name: string;
  description: string;
  parameters: TaskParameter[];
  /** The objective in its own units (larger is better) of each point, batched (an emulator predicts many at once). */
  evaluate: (rows: Values[]) => Promise<number[]>;
  /** Known optimum and the floor the percentage is taken above: fraction = (value − floor) / (optimum − floor). */
  optimum: number;
  floor: number;
  /** Where the optimum lies (parameter values), for the report. */
  optimumAt?: Values;
  /** Target bounds handed to the GP (the analytic scores are bounded in [0, 1]; the space-time yield is not given any). */
  bounds?: [number, number];
  /** Levels per continuous parameter (in parameter order; categories keep their values) of the discretised space the enumerated (discrete) planner searches. */
  grid: number[][];
  gridNote: string;
  /** Random / Sobol search draws at most this many points per seed. */
  searchLimit: number;
}

const unitParameters = (d: number): ContinuousParameter[] => Array.from({ length: d }, (_, i) => ({ kind: 'continuous', name: `x${i}`, min: 0, max: 1 }));
const levels = (count: number) => Array.from({ length: count }, (_, i) => i / (count - 1));
/** A function of the continuous values in parameter order, as a batched evaluator. */
const pointwise =
  (parameters: readonly TaskParameter[], f: (x: readonly number[]) => number) =>
  async (rows: Values[]): Promise<number[]> =>
    rows.map((row) => f(parameters.map((p) => row[p.name] as number)));

export function braninTask(): ContinuousTask {
  return {
    name: 'branin',
    description: 'Branin–Hoo (2-D), normalised score',
    parameters: unitParameters(2),
    evaluate: pointwise(unitParameters(2), analyticFunction('branin', 2, 0)),
    optimum: 1,
    floor: 0,
    bounds: [0, 1],
    grid: [levels(21), levels(21)],
    gridNote: '21 levels per axis (step 0.05): 441 points',
    searchLimit: 200_000,
  };
}

export function hartmann6Task(): ContinuousTask {
  return {
    name: 'hartmann6',
    description: 'Hartmann-6, normalised score',
    parameters: unitParameters(6),
    evaluate: pointwise(unitParameters(6), analyticFunction('hartmann6', 6, 0)),
    optimum: 1,
    floor: 0,
    bounds: [0, 1],
    // 5 levels: 15,625 points. A grid first holds a point at 95 % at 7 levels (117,649 points) and none
    // at 99 % up to 8 levels (262,144): the cost of discretising six conditions.
    grid: Array.from({ length: 6 }, () => levels(5)),
    gridNote: '5 levels per axis (step 0.25): 15,625 points',
    searchLimit: 200_000,
  };
}

const SNAR_RANGES: [string, number, number, string][] = [
  ['residence_time', 0.5, 2, 'min'],
  ['equivalents', 1, 5, 'equiv pyrrolidine'],
  ['concentration', 0.1, 0.5, 'M'],
  ['temperature', 30, 120, '°C'],
];

const snarSty = (x: readonly number[]) => snarTargets(x[0]!, x[1]!, x[2]!, x[3]!)[0];

/**
 * The largest space-time yield over the box, by a dense multistart search: 8,192 scrambled Sobol
 * points, then L-BFGS from the best 32 of them (central-difference gradients) in coordinates
 * u = (1 − cos πz) / 2, which keep every iterate inside the box and let it settle on a bound.
 */
export function snarOptimum(): { value: number; at: number[]; starts: number; agreeing: number } {
  const lo = SNAR_RANGES.map((r) => r[1]);
  const hi = SNAR_RANGES.map((r) => r[2]);
  const fromUnit = (u: ArrayLike<number>) => lo.map((l, d) => l + (hi[d]! - l) * u[d]!);
  const fromZ = (z: Float64Array) => fromUnit(Float64Array.from(z, (v) => (1 - Math.cos(Math.PI * v)) / 2));
  const samples = new SobolSequence(4, 2017).points(8192).map((u) => ({ u, value: snarSty(fromUnit(u)) }));
  samples.sort((a, b) => b.value - a.value);
  const h = 1e-5;
  const negative = (z: Float64Array) => -snarSty(fromZ(z));
  const optima = samples.slice(0, 32).map(({ u }) => {
    const start = Float64Array.from(u, (v) => Math.acos(1 - 2 * v) / Math.PI);
    const result = minimizeLbfgs(
      (z) => ({
        value: negative(z),
        gradient: Float64Array.from(z, (_, j) => {
          const up = Float64Array.from(z);
          up[j] = up[j]! + h;
          const down = Float64Array.from(z);
          down[j] = down[j]! - h;
          return (negative(up) - negative(down)) / (2 * h);
        }),
      }),
      start,
      { maxIterations: 200, gradientTolerance: 1e-7, valueTolerance: 1e-13 },
    );
    return { value: -result.value, at: fromZ(result.x) };
  });
  optima.sort((a, b) => b.value - a.value);
  const best = optima[0]!;
  return { value: best.value, at: best.at, starts: optima.length, agreeing: optima.filter((o) => o.value >= best.value * (1 - 1e-6)).length };
}

export function snarTask(): ContinuousTask {
  const optimum = snarOptimum();
  const parameters: TaskParameter[] = SNAR_RANGES.map(([name, min, max, unit]) => ({ kind: 'continuous', name, min, max, unit }));
  return {
    name: 'snar',
    description: `SnAr kinetic model (Hone et al. 2017): space-time yield of the ortho product, kg m⁻³ h⁻¹, maximised; optimum ${optimum.value.toFixed(1)} found by ${optimum.starts} L-BFGS starts (${optimum.agreeing} agree)`,
    parameters,
    evaluate: pointwise(parameters, snarSty),
    optimum: optimum.value,
    // a space-time yield is ≥ 0 (no product), so the targets are 95 % and 99 % of the optimum itself
    floor: 0,
    optimumAt: Object.fromEntries(parameters.map((p, d) => [p.name, optimum.at[d]!])),
    // the grid of the multi-objective benchmark (snarProblem): 7 × 9 × 5 × 10 = 3,150 points
    grid: snarProblem().variables.map((v) => [...v.levels]),
    gridNote: "the multi-objective benchmark's grid (τ step 0.25 min, 0.5 equiv, 0.1 M, 10 °C): 3,150 points",
    // one evaluation integrates the kinetics (~0.1 ms); 95 % lies in ~4 × 10⁻⁵ of the box
    searchLimit: 60_000,
  };
}

/**
 * The mixed categorical/continuous task: the aniline C–N cross-coupling of Baumgartner et al. 2019
 * served by a GP emulator fitted to the published data (bench/cn-emulator.ts), yield maximised over
 * catalyst × base × base equivalents, temperature and residence time; the optimum is the emulator's.
 */
export async function cnTask(): Promise<ContinuousTask> {
  const emulator = await cnEmulator();
  const optimum = await cnOptimum(emulator);
  return {
    name: 'cn_baumgartner',
    description: `C–N cross-coupling of aniline (Baumgartner et al., Org. Process Res. Dev. 2019), yield from a GP emulator of the ${emulator.rows} published experiments (leave-one-out R² ${emulator.looR2.toFixed(2)}, RMSE ${emulator.looRmse.toFixed(3)}), maximised; optimum of the emulator by ${optimum.starts} L-BFGS starts over the 12 catalyst–base pairs`,
    parameters: CN_PARAMETERS as TaskParameter[],
    evaluate: emulator.evaluate,
    optimum: optimum.value,
    floor: 0,
    optimumAt: optimum.at,
    // categories listed, conditions on levels a chemist would set: equiv 1–2.5 step 0.5, 30–100 °C step 10, 60–1800 s in 6 steps
    grid: [
      [1, 1.5, 2, 2.5],
      [30, 40, 50, 60, 70, 80, 90, 100],
      [60, 408, 756, 1104, 1452, 1800],
    ],
    gridNote: '3 catalysts × 4 bases × equiv 1–2.5 (step 0.5) × 30–100 °C (step 10) × t_res 60–1800 s (6 levels): 2,304 points',
    // each draw is one emulator prediction (~0.1 ms batched)
    searchLimit: 20_000,
  };
}

export async function continuousTasks(names: readonly string[]): Promise<ContinuousTask[]> {
  const make: Record<string, () => ContinuousTask | Promise<ContinuousTask>> = { branin: braninTask, hartmann6: hartmann6Task, snar: snarTask, cn_baumgartner: cnTask };
  const out: ContinuousTask[] = [];
  for (const n of names) {
    const build = make[n];
    if (!build) throw new Error(`--tasks: unknown task ${n} (known: ${Object.keys(make).join(', ')})`);
    out.push(await build());
  }
  return out;
}
