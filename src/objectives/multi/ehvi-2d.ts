/**
 * Closed-form expected hypervolume improvement of one point with two independent Gaussian
 * targets over a known front (the exact reference the Monte Carlo estimators are tested against;
 * also usable on its own when the front is taken as noise-free).
 *
 * With targets oriented for maximisation, the front sorted by its first target (p₁ < … < p_k, so
 * second targets decrease), a₀ = r₁, aᵢ = pᵢ,₁, bᵢ = pᵢ,₂ and b_{k+1} = r₂, the region a new point
 * can add splits into vertical strips, and the integrand P(Y₁ ≥ z₁)·P(Y₂ ≥ z₂) separates:
 *
 *   EHVI = Σᵢ₌₁..k [ψ₁(aᵢ₋₁) − ψ₁(aᵢ)]·ψ₂(bᵢ) + ψ₁(a_k)·ψ₂(r₂),
 *   ψ(z) = E[(Y − z)⁺] = σ φ((μ − z)/σ) + (μ − z) Φ((μ − z)/σ)
 */
import { normalCdf, normalPdf } from '../../planner/normal.js';
import { type Direction, orientPoints, orientReference, orientValue } from './orientation.js';
import { nonDominatedIndicesMaximised } from './pareto.js';

export function expectedHypervolumeImprovement2d(
  front: readonly (readonly number[])[],
  reference: readonly number[],
  mean: readonly [number, number],
  sd: readonly [number, number],
  directions: readonly [Direction, Direction],
): number {
  sd.forEach((s, j) => {
    if (!(s >= 0 && Number.isFinite(s))) throw new RangeError(`sd of target ${j} must be ≥ 0, got ${s}`);
  });
  const r = orientReference(reference, directions) as [number, number];
  const mu = [orientValue(mean[0], directions[0]), orientValue(mean[1], directions[1])] as const;
  const oriented = orientPoints(front, directions).filter((p) => p[0]! > r[0] && p[1]! > r[1]);
  const strip = nonDominatedIndicesMaximised(oriented, { duplicates: 'keep-first' })
    .map((i) => oriented[i] as number[])
    .sort((a, b) => a[0]! - b[0]!);
  const psi1 = (z: number) => expectedExcess(mu[0], sd[0], z);
  const psi2 = (z: number) => expectedExcess(mu[1], sd[1], z);
  let total = 0;
  let left = r[0];
  for (const p of strip) {
    total += (psi1(left) - psi1(p[0]!)) * psi2(p[1]!);
    left = p[0]!;
  }
  return total + psi1(left) * psi2(r[1]);
}

/** E[(Y − z)⁺] for Y ~ N(μ, σ²). */
function expectedExcess(mu: number, sigma: number, z: number): number {
  if (sigma === 0) return Math.max(mu - z, 0);
  const u = (mu - z) / sigma;
  return sigma * normalPdf(u) + (mu - z) * normalCdf(u);
}
