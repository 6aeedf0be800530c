/**
 * The evaluator: accuracy (R², MAE, RMSE) and calibration of predictive distributions
 * (error–σ rank correlation, miscalibration area, ENCE, Gaussian NLL), as in the Uncertainty
 * Toolbox (Chung et al. 2021) and Levi et al. 2022 (ENCE).
 */

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

export function r2(y: ArrayLike<number>, prediction: ArrayLike<number>): number {
  const m = mean(y);
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i]! - prediction[i]!) ** 2;
    ssTot += (y[i]! - m) ** 2;
  }
  return 1 - ssRes / ssTot;
}

export function mae(y: ArrayLike<number>, prediction: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i]! - prediction[i]!);
  return s / y.length;
}

export function rmse(y: ArrayLike<number>, prediction: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i]! - prediction[i]!) ** 2;
  return Math.sqrt(s / y.length);
}

/** Ranks 1…n, ties sharing their average rank. */
function ranks(xs: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: xs.length }, (_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]!] === xs[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = rank;
    i = j + 1;
  }
  return out;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function probit(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Area between the calibration curve (observed fraction of targets inside the central p-interval)
 * and the diagonal, over p ∈ [0, 1] (trapezoid rule on 100 levels). 0 = perfectly calibrated.
 */
export function miscalibrationArea(y: ArrayLike<number>, prediction: ArrayLike<number>, sigma: ArrayLike<number>, levels = 100): number {
  const z = Float64Array.from({ length: y.length }, (_, i) => Math.abs(y[i]! - prediction[i]!) / Math.max(sigma[i]!, 1e-12));
  const gaps: number[] = [];
  for (let k = 0; k < levels; k++) {
    const p = k / (levels - 1);
    const half = probit(0.5 + p / 2);
    let inside = 0;
    for (const v of z) if (v <= half) inside++;
    gaps.push(Math.abs(inside / z.length - p));
  }
  let area = 0;
  for (let k = 1; k < levels; k++) area += ((gaps[k - 1]! + gaps[k]!) / 2) * (1 / (levels - 1));
  return area;
}

/** Expected normalised calibration error: bins of equal count by σ, mean |RMV − RMSE| / RMV. */
export function ence(y: ArrayLike<number>, prediction: ArrayLike<number>, sigma: ArrayLike<number>, bins = 10): number {
  const order = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => sigma[a]! - sigma[b]!);
  let total = 0;
  let used = 0;
  for (let b = 0; b < bins; b++) {
    const members = order.slice(Math.floor((b * order.length) / bins), Math.floor(((b + 1) * order.length) / bins));
    if (members.length === 0) continue;
    const rmv = Math.sqrt(mean(members.map((i) => sigma[i]! ** 2)));
    const err = Math.sqrt(mean(members.map((i) => (y[i]! - prediction[i]!) ** 2)));
    total += Math.abs(rmv - err) / rmv;
    used++;
  }
  return total / used;
}

/** Mean Gaussian negative log-likelihood. */
export function gaussianNll(y: ArrayLike<number>, prediction: ArrayLike<number>, sigma: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const v = Math.max(sigma[i]!, 1e-12) ** 2;
    s += 0.5 * Math.log(2 * Math.PI * v) + (y[i]! - prediction[i]!) ** 2 / (2 * v);
  }
  return s / y.length;
}

export interface RegressionReport {
  r2: number;
  mae: number;
  rmse: number;
  spearmanErrorSigma: number;
  miscalibrationArea: number;
  ence: number;
  nll: number;
}

export function evaluatePredictions(y: ArrayLike<number>, prediction: ArrayLike<number>, sigma: ArrayLike<number>): RegressionReport {
  const errors = Float64Array.from({ length: y.length }, (_, i) => Math.abs(y[i]! - prediction[i]!));
  return {
    r2: r2(y, prediction),
    mae: mae(y, prediction),
    rmse: rmse(y, prediction),
    spearmanErrorSigma: spearman(errors, sigma),
    miscalibrationArea: miscalibrationArea(y, prediction, sigma),
    ence: ence(y, prediction, sigma),
    nll: gaussianNll(y, prediction, sigma),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The smallest value with at least a share q of the values at or below it (nearest rank). */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
