/**
 * An output warping for skewed targets (yields pile up near 0 %): the Yeo–Johnson power transform
 * (works for any sign), with λ chosen by maximum likelihood of normality on the training values,
 * as sklearn's PowerTransformer does. Models fit the warped values; a Gaussian posterior in warped
 * units is mapped back to target units by moment matching with Gauss–Hermite quadrature, so the
 * returned mean and σ are those of the (skewed) distribution in target units. Its σ then grows
 * with the predicted value, as the measurement noise of yields does.
 */
import { standardNormalRule } from '../util/gauss-hermite.js';

export interface Warping {
  lambda: number;
  /** the values' standard deviation, divided out before the transform (λ is then unit-free) */
  spread: number;
  /** standardisation applied after the power transform */
  shift: number;
  scale: number;
}

function yeoJohnson(x: number, lambda: number): number {
  if (x >= 0) return Math.abs(lambda) < 1e-8 ? Math.log1p(x) : ((x + 1) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-8 ? -Math.log1p(-x) : -((1 - x) ** (2 - lambda) - 1) / (2 - lambda);
}

function yeoJohnsonInverse(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-8 ? Math.expm1(y) : Math.max(lambda * y + 1, 0) ** (1 / lambda) - 1;
  return Math.abs(lambda - 2) < 1e-8 ? -Math.expm1(-y) : 1 - Math.max(1 - (2 - lambda) * y, 0) ** (1 / (2 - lambda));
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
  return { lambda, spread, shift, scale };
}

export function warp(w: Warping, value: number): number {
  return (yeoJohnson(value / w.spread, w.lambda) - w.shift) / w.scale;
}

export function unwarp(w: Warping, z: number): number {
  return yeoJohnsonInverse(z * w.scale + w.shift, w.lambda) * w.spread;
}

// 20-point Gauss–Hermite rule for E[f(Z)], Z ~ N(0, 1)
const RULE = standardNormalRule(20);

/** Mean and σ in target units of warped-unit N(mu, sigma²). */
export function unwarpMoments(w: Warping, mu: number, sigma: number): { mean: number; sd: number } {
  let m1 = 0;
  let m2 = 0;
  for (const [z, weight] of RULE) {
    const v = unwarp(w, mu + sigma * z);
    m1 += weight * v;
    m2 += weight * v * v;
  }
  return { mean: m1, sd: Math.sqrt(Math.max(m2 - m1 * m1, 0)) };
}

/** Plain standardisation, as a warping with λ = 1 (Yeo–Johnson is the identity there). */
export function standardizingWarp(values: readonly number[]): Warping {
  const n = Math.max(values.length, 1);
  const shift = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - shift) ** 2, 0) / n;
  return { lambda: 1, spread: 1, shift, scale: variance > 1e-12 ? Math.sqrt(variance) : Math.max(1, Math.abs(shift)) };
}

export function isLinear(w: Warping): boolean {
  return w.lambda === 1 && w.spread === 1;
}

/** unwarpMoments, exact and cheap for the linear case. */
export function toTargetUnits(w: Warping, mu: number, sigma: number): { mean: number; sd: number } {
  return isLinear(w) ? { mean: mu * w.scale + w.shift, sd: sigma * w.scale } : unwarpMoments(w, mu, sigma);
}
