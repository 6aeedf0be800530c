/**
 * The calibrator: one factor s on the predictive σ, fitted on held-out predictions (leave-one-out
 * for the GP, out-of-fold for the ensemble) by maximum likelihood, s² = mean(r² / σ²). A weak
 * prior pulls s towards 1 when there are few held-out points, so three results cannot make the
 * model wildly over- or under-confident.
 */
export function varianceScale(residuals: ArrayLike<number>, variances: ArrayLike<number>, priorStrength = 2): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < residuals.length; i++) {
    const v = variances[i]!;
    if (!(v > 0) || !Number.isFinite(residuals[i]!)) continue;
    sum += residuals[i]! ** 2 / v;
    n++;
  }
  return Math.sqrt((sum + priorStrength) / (n + priorStrength));
}
