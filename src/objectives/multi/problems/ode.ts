/**
 * Adaptive Runge–Kutta integration (Dormand–Prince 5(4), the method behind scipy's RK45 and
 * MATLAB's ode45) for small non-stiff systems such as a kinetic model. Written by hand: the npm
 * ODE packages are unmaintained or much larger than these sixty lines, and the tableau is
 * textbook (Hairer, Nørsett & Wanner, Solving ODEs I, §II.5; step control as in §II.4).
 */

export type Derivative = (t: number, y: readonly number[]) => number[];

export interface OdeOptions {
  /** Relative tolerance per component (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance per component (default 1e-9). */
  atol?: number;
  /** Give up after this many attempted steps (default 100 000). */
  maxSteps?: number;
}

export interface OdeResult {
  y: number[];
  acceptedSteps: number;
  rejectedSteps: number;
  evaluations: number;
}

const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
/** Fifth-order weights minus the embedded fourth-order ones: the local error estimate. */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

/** y(t1) for y' = f(t, y), y(t0) = y0. */
export function integrate(f: Derivative, t0: number, t1: number, y0: readonly number[], options: OdeOptions = {}): OdeResult {
  const rtol = options.rtol ?? 1e-6;
  const atol = options.atol ?? 1e-9;
  const maxSteps = options.maxSteps ?? 100_000;
  if (!(t1 >= t0)) throw new RangeError(`integration must run forward: t1 (${t1}) < t0 (${t0})`);
  const n = y0.length;
  let t = t0;
  let y = y0.slice();
  let k1 = f(t, y);
  let evaluations = 1;
  let h = Math.min(t1 - t0, initialStep(y, k1, rtol, atol, t1 - t0));
  let accepted = 0;
  let rejected = 0;
  const k: number[][] = [k1];
  while (t < t1) {
    if (accepted + rejected >= maxSteps) throw new Error(`ODE integration needed more than ${maxSteps} steps (t = ${t} of ${t1})`);
    const last = t + h >= t1;
    if (last) h = t1 - t;
    k.length = 1;
    k[0] = k1;
    let yNew: number[] = y;
    for (let stage = 1; stage < 7; stage++) {
      const a = A[stage] as number[];
      const yStage = y.map((yi, i) => {
        let s = yi;
        for (let q = 0; q < stage; q++) s += h * (a[q] as number) * (k[q]![i] as number);
        return s;
      });
      if (stage === 6) yNew = yStage; // the 7th stage's input is the 5th-order solution (FSAL)
      k.push(f(t + (C[stage] as number) * h, yStage));
      evaluations++;
    }
    // the last stage evaluates f at yNew: that is the next step's first stage
    let errSq = 0;
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let q = 0; q < 7; q++) e += (E[q] as number) * (k[q]![i] as number);
      const scale = atol + rtol * Math.max(Math.abs(y[i] as number), Math.abs(yNew[i] as number));
      errSq += ((h * e) / scale) ** 2;
    }
    const err = Math.sqrt(errSq / Math.max(n, 1));
    if (err <= 1) {
      t = last ? t1 : t + h;
      y = yNew;
      k1 = k[6]!;
      accepted++;
    } else {
      rejected++;
    }
    const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * err ** -0.2));
    h *= err <= 1 ? factor : Math.min(1, factor);
    if (!(h > 0) || !Number.isFinite(h)) throw new Error(`ODE step size collapsed at t = ${t}`);
  }
  return { y, acceptedSteps: accepted, rejectedSteps: rejected, evaluations };
}

/** Hairer's starting-step heuristic (order 5): a step whose Euler change is ~1 % of the tolerance scale. */
function initialStep(y: readonly number[], dy: readonly number[], rtol: number, atol: number, span: number): number {
  let d0 = 0;
  let d1 = 0;
  for (let i = 0; i < y.length; i++) {
    const scale = atol + rtol * Math.abs(y[i] as number);
    d0 += ((y[i] as number) / scale) ** 2;
    d1 += ((dy[i] as number) / scale) ** 2;
  }
  d0 = Math.sqrt(d0 / Math.max(y.length, 1));
  d1 = Math.sqrt(d1 / Math.max(y.length, 1));
  const h = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 * span : (0.01 * d0) / d1;
  return Math.max(h, 1e-12 * span);
}
