/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for the handful of smooth
 * Gaussian-process hyperparameters. Written here because no dependency of the project has an
 * optimiser (tfjs's are first-order and float32; ml-matrix has none); ~20 parameters and
 * ~50 iterations is all it needs to handle.
 */
export interface Objective {
  /** value and gradient; a non-finite value means "outside the feasible region" */
  (x: Float64Array): { value: number; gradient: Float64Array };
}

export interface LbfgsOptions {
  maxIterations: number;
  memory?: number;
  /** stop when the gradient's max-norm falls below this */
  gradientTolerance?: number;
  /** stop when the value improves less than this (relative) */
  valueTolerance?: number;
  /** clamp every coordinate to [lower, upper] */
  lower?: number;
  upper?: number;
}

type Evaluation = { value: number; gradient: Float64Array };
type LbfgsResult = { x: Float64Array; value: number; iterations: number };

export function minimizeLbfgs(f: Objective, start: Float64Array, options: LbfgsOptions): LbfgsResult {
  const steps = lbfgsSteps(start, options);
  let next = steps.next();
  while (!next.done) next = steps.next(f(next.value));
  return next.value;
}

/** The same iteration for an objective that answers asynchronously (a model's predictions: acquisition optimisation). */
export async function minimizeLbfgsAsync(f: (x: Float64Array) => Promise<Evaluation>, start: Float64Array, options: LbfgsOptions): Promise<LbfgsResult> {
  const steps = lbfgsSteps(start, options);
  let next = steps.next();
  while (!next.done) next = steps.next(await f(next.value));
  return next.value;
}

/** The iteration as a generator: it yields each point it needs evaluated and receives the evaluation. */
function* lbfgsSteps(start: Float64Array, options: LbfgsOptions): Generator<Float64Array, LbfgsResult, Evaluation> {
  const m = options.memory ?? 7;
  const gtol = options.gradientTolerance ?? 1e-5;
  const ftol = options.valueTolerance ?? 1e-9;
  const lower = options.lower ?? -Infinity;
  const upper = options.upper ?? Infinity;
  const clamp = (x: Float64Array) => x.map((v) => Math.min(upper, Math.max(lower, v)));
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

  let x = clamp(Float64Array.from(start));
  let current = yield x;
  if (!Number.isFinite(current.value)) throw new Error('L-BFGS: the starting point is infeasible');
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  let iteration = 0;
  for (; iteration < options.maxIterations; iteration++) {
    const g = current.gradient;
    if (Math.max(...g.map(Math.abs)) < gtol) break;
    // two-loop recursion: direction = −H·g
    const q = Float64Array.from(g);
    const alphas: number[] = [];
    for (let k = ss.length - 1; k >= 0; k--) {
      const rho = 1 / dot(ys[k]!, ss[k]!);
      const a = rho * dot(ss[k]!, q);
      alphas[k] = a;
      for (let i = 0; i < q.length; i++) q[i] = q[i]! - a * ys[k]![i]!;
    }
    const last = ss.length - 1;
    const gamma = last >= 0 ? dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!) : 1 / Math.max(1, Math.max(...g.map(Math.abs)));
    for (let i = 0; i < q.length; i++) q[i] = q[i]! * gamma;
    for (let k = 0; k < ss.length; k++) {
      const rho = 1 / dot(ys[k]!, ss[k]!);
      const b = rho * dot(ys[k]!, q);
      for (let i = 0; i < q.length; i++) q[i] = q[i]! + ss[k]![i]! * (alphas[k]! - b);
    }
    let direction = q.map((v) => -v);
    if (dot(direction, g) >= 0) {
      // not a descent direction (curvature information gone stale): restart from steepest descent
      ss.length = 0;
      ys.length = 0;
      direction = g.map((v) => -v / Math.max(1, Math.max(...g.map(Math.abs))));
    }
    // backtracking line search
    let step = 1;
    let next: { value: number; gradient: Float64Array } | null = null;
    let xNext = x;
    const slope = dot(direction, g);
    for (let tries = 0; tries < 30; tries++) {
      xNext = clamp(x.map((v, i) => v + step * direction[i]!));
      const candidate = yield xNext;
      if (Number.isFinite(candidate.value) && candidate.value <= current.value + 1e-4 * step * slope) {
        next = candidate;
        break;
      }
      step *= 0.5;
    }
    if (!next) break;
    const s = xNext.map((v, i) => v - x[i]!);
    const y = next.gradient.map((v, i) => v - g[i]!);
    if (dot(s, y) > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > m) {
        ss.shift();
        ys.shift();
      }
    }
    const improvement = current.value - next.value;
    x = xNext;
    current = next;
    if (improvement < ftol * Math.max(1, Math.abs(current.value))) break;
  }
  return { x, value: current.value, iterations: iteration };
}
