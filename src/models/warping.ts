/**
 * An output warping for skewed targets (yields pile up near 0 %): the Yeo–Johnson power transform
 * (works for any sign), with λ chosen by maximum likelihood of normality on the training values,
 * as sklearn's PowerTransformer does. Models fit the warped values; a Gaussian posterior in warped
 * units is mapped back to target units by moment matching with Gauss–Hermite quadrature, so the
 * returned mean and σ are those of the (skewed) distribution in target units. Its σ then grows
 * with the predicted value, as the measurement noise of yields does.
 *
 * Two guards keep the map back from exploding far from the data (a GP's posterior reaches there,
 * and 20-point Gauss–Hermite puts nodes at ±7.6 σ). At λ near 2 the lower branch's inverse is an
 * exponential (near 0, the upper branch's): a campaign whose results sit at 80–99 % saw predictions
 * of 28 ± 3,588 %. So the transform is Yeo–Johnson only over the range the training values span
 * and continues linearly beyond it (slope of the edge), which makes its inverse grow at most
 * linearly; and when the objective has bounds (a yield's [0, 100]) every value is held to them
 * before the moments are taken: the prediction is the warped Gaussian censored at the bounds, so
 * its mean lies inside them and its σ is at most half their width.
 */
import { standardNormalRule } from '../util/gauss-hermite.js';

export interface Warping {
  lambda: number;
  /** the values' standard deviation, divided out before the transform (λ is then unit-free) */
  spread: number;
  /** standardisation applied after the power transform */
  shift: number;
  scale: number;
  /**
   * The training values' range in spread units: beyond it the transform continues linearly.
   * Absent in models saved before it existed (pure Yeo–Johnson, as they were fitted).
   */
  range?: [number, number];
  /**
   * Set for a bounded target: values are first mapped to logit((v − lo)/(hi − lo)), the fraction
   * held to [margin, 1 − margin] (λ is then 1 and spread 1). Its inverse is a sigmoid, so no
   * prediction can leave the bounds however wide the warped posterior.
   */
  logit?: { lo: number; hi: number; margin: number };
}

/** The values a target can take, inclusive (the objective's `bounds`). */
export type Bounds = readonly [number, number];

function yeoJohnson(x: number, lambda: number): number {
  if (x >= 0) return Math.abs(lambda) < 1e-8 ? Math.log1p(x) : ((x + 1) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-8 ? -Math.log1p(-x) : -((1 - x) ** (2 - lambda) - 1) / (2 - lambda);
}

function yeoJohnsonInverse(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-8 ? Math.expm1(y) : Math.max(lambda * y + 1, 0) ** (1 / lambda) - 1;
  return Math.abs(lambda - 2) < 1e-8 ? -Math.expm1(-y) : 1 - Math.max(1 - (2 - lambda) * y, 0) ** (1 / (2 - lambda));
}

/** d/dx of the Yeo–Johnson transform (positive everywhere). */
function yeoJohnsonSlope(x: number, lambda: number): number {
  return x >= 0 ? (x + 1) ** (lambda - 1) : (1 - x) ** (1 - lambda);
}

/** Yeo–Johnson inside `range`, its tangent line beyond. */
function transform(x: number, lambda: number, range?: [number, number]): number {
  if (range) {
    const [a, b] = range;
    if (x < a) return yeoJohnson(a, lambda) + yeoJohnsonSlope(a, lambda) * (x - a);
    if (x > b) return yeoJohnson(b, lambda) + yeoJohnsonSlope(b, lambda) * (x - b);
  }
  return yeoJohnson(x, lambda);
}

function inverseTransform(y: number, lambda: number, range?: [number, number]): number {
  if (range) {
    const [a, b] = range;
    const ya = yeoJohnson(a, lambda);
    const yb = yeoJohnson(b, lambda);
    if (y < ya) return a + (y - ya) / yeoJohnsonSlope(a, lambda);
    if (y > yb) return b + (y - yb) / yeoJohnsonSlope(b, lambda);
  }
  return yeoJohnsonInverse(y, lambda);
}

/**
 * Profile log-likelihood of λ (Yeo & Johnson 2000), maximised by golden-section search on [0, 2]:
 * outside that range one branch of the transform is bounded, and a posterior reaching past the
 * bound would map back to infinity.
 */
export function fitWarping(values: readonly number[]): Warping {
  // values are scaled to unit spread first so that λ does not depend on the target's units
  const center = values.reduce((a, b) => a + b, 0) / values.length;
  const spread = Math.sqrt(values.reduce((a, v) => a + (v - center) ** 2, 0) / values.length) || 1;
  const base = values.map((v) => v / spread);
  const logLik = (lambda: number) => {
    const t = base.map((v) => yeoJohnson(v, lambda));
    const m = t.reduce((a, b) => a + b, 0) / t.length;
    const variance = t.reduce((a, v) => a + (v - m) ** 2, 0) / t.length;
    const jacobian = base.reduce((a, v) => a + Math.sign(v) * Math.log1p(Math.abs(v)), 0);
    return -0.5 * t.length * Math.log(Math.max(variance, 1e-300)) + (lambda - 1) * jacobian;
  };
  let lo = 0;
  let hi = 2;
  const golden = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const a = hi - golden * (hi - lo);
    const b = lo + golden * (hi - lo);
    if (logLik(a) > logLik(b)) hi = b;
    else lo = a;
  }
  const lambda = (lo + hi) / 2;
  const warped = base.map((v) => yeoJohnson(v, lambda));
  const shift = warped.reduce((a, b) => a + b, 0) / warped.length;
  const scale = Math.sqrt(warped.reduce((a, v) => a + (v - shift) ** 2, 0) / warped.length) || 1;
  const range: [number, number] = [Math.min(...base), Math.max(...base)];
  return { lambda, spread, shift, scale, range };
}

/** How far inside its bounds a value is held before the logit (a 0 % yield is read as 1 %). */
export const LOGIT_MARGIN = 0.01;

function toLogit(value: number, l: NonNullable<Warping['logit']>): number {
  const u = Math.min(Math.max((value - l.lo) / (l.hi - l.lo), l.margin), 1 - l.margin);
  return Math.log(u / (1 - u));
}

function fromLogit(t: number, l: NonNullable<Warping['logit']>): number {
  return l.lo + (l.hi - l.lo) / (1 + Math.exp(-t));
}

/** The warping of a bounded target: logit of its place between the bounds, standardised. */
export function fitLogitWarping(values: readonly number[], bounds: Bounds, margin = LOGIT_MARGIN): Warping {
  const logit = { lo: bounds[0], hi: bounds[1], margin };
  const t = values.map((v) => toLogit(v, logit));
  const n = Math.max(t.length, 1);
  const shift = t.reduce((a, b) => a + b, 0) / n;
  const scale = Math.sqrt(t.reduce((a, v) => a + (v - shift) ** 2, 0) / n) || 1;
  return { lambda: 1, spread: 1, shift, scale, logit };
}

export function warp(w: Warping, value: number): number {
  if (w.logit) return (toLogit(value, w.logit) - w.shift) / w.scale;
  return (transform(value / w.spread, w.lambda, w.range) - w.shift) / w.scale;
}

export function unwarp(w: Warping, z: number): number {
  if (w.logit) return fromLogit(z * w.scale + w.shift, w.logit);
  return inverseTransform(z * w.scale + w.shift, w.lambda, w.range) * w.spread;
}

// 20-point Gauss–Hermite rule for E[f(Z)], Z ~ N(0, 1)
const RULE = standardNormalRule(20);

/** Mean and σ in target units of warped-unit N(mu, sigma²), censored at `bounds` when given. */
export function unwarpMoments(w: Warping, mu: number, sigma: number, bounds?: Bounds): { mean: number; sd: number } {
  let m1 = 0;
  let m2 = 0;
  for (const [z, weight] of RULE) {
    const raw = unwarp(w, mu + sigma * z);
    const v = bounds ? Math.min(Math.max(raw, bounds[0]), bounds[1]) : raw;
    m1 += weight * v;
    m2 += weight * v * v;
  }
  return { mean: m1, sd: Math.sqrt(Math.max(m2 - m1 * m1, 0)) };
}

/** A Gaussian N(mean, sd²) censored at `bounds`: its mean and σ (for models without a warping). */
export function heldToBounds(mean: number, sd: number, bounds: Bounds): { mean: number; sd: number } {
  return unwarpMoments({ lambda: 1, spread: 1, shift: mean, scale: sd }, 0, 1, bounds);
}

/** Plain standardisation, as a warping with λ = 1 (Yeo–Johnson is the identity there). */
export function standardizingWarp(values: readonly number[]): Warping {
  const n = Math.max(values.length, 1);
  const shift = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - shift) ** 2, 0) / n;
  return { lambda: 1, spread: 1, shift, scale: variance > 1e-12 ? Math.sqrt(variance) : Math.max(1, Math.abs(shift)) };
}

export function isLinear(w: Warping): boolean {
  return w.lambda === 1 && w.spread === 1 && !w.logit;
}

/** unwarpMoments, exact and cheap for the linear case without bounds. */
export function toTargetUnits(w: Warping, mu: number, sigma: number, bounds?: Bounds): { mean: number; sd: number } {
  return isLinear(w) && !bounds ? { mean: mu * w.scale + w.shift, sd: sigma * w.scale } : unwarpMoments(w, mu, sigma, bounds);
}
