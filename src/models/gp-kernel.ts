/**
 * The kernel of the reaction Gaussian process. A reaction is a tuple of factors (each role's
 * molecule, each numeric and each categorical condition); every factor f has a distance d_f in
 * [0, 1]-ish units and a kernel k_f = exp(−d_f / ℓ_f^p):
 *   roles:        d = 1 − Tanimoto(Morgan),  p = 1   (exp of a Tanimoto kernel, positive definite;
 *                                             radius from GpConfig.fingerprintRadius)
 *                 or d = 1 − MinMax(WL subtree counts of our own graphs, featurize/wl-subtree.ts),
 *                 or d = [a ≠ b] (one-hot: every pair of distinct substances equally far),
 *                 or half the mean squared difference of log-scaled RDKit descriptors
 *                 (featurize/descriptors.ts: a squared exponential on physical-organic properties),
 *                 or Morgan with WL or one-hot, as two factors of the role with their own length
 *                 scales and variances (GpConfig.substanceKernel), so the marginal likelihood
 *                 weighs the two views
 *   numeric:      d = Δx² / 2 on [-1, 1],     p = 2   (squared exponential)
 *   categorical:  d = [a ≠ b],                p = 1
 * and the reaction kernel is
 *   K = σ²_prod · Π_f k_f  +  Σ_f σ²_f · k_f  [+ σ²_pair · mean_{f<g} k_f k_g]
 * (all interactions, plus main effects that stay learnable from a handful of points; optionally
 * the two-way interactions of Duvenaud et al.'s additive kernels, so that a pair of roles that
 * only works together — an amine with one activator — is not tied to every other factor as the
 * product is; GpConfig.pairInteractions).
 *
 * Campaign spaces are finite, so each factor's values are few: distances are tabulated once per
 * pair of distinct values and kernel entries are table lookups.
 */
import type { ModelSchema, ReactionInput } from './types.js';
import { moleculeSimilarity } from './featurize/similarity.js';
import { wlSimilarity } from './featurize/wl-subtree.js';
import { latentDistance } from './featurize/latent.js';
import { reactionEmbeddingDistance } from './featurize/reaction-embedding.js';
import { descriptorDistance } from './featurize/descriptors.js';
import { scaledValue } from './featurize/conditions.js';

export type FactorKind = 'role' | 'numeric' | 'categorical';

/** How the GP compares two substances of a role. */
export const SUBSTANCE_KERNELS = ['morgan', 'wl', 'morgan+wl', 'onehot', 'morgan+onehot', 'latent', 'morgan+latent', 'mpnn', 'morgan+mpnn', 'descriptors', 'morgan+descriptors'] as const;
export type SubstanceKernel = (typeof SUBSTANCE_KERNELS)[number];

/** WL iterations: atoms compared up to three bonds away, as a radius-3 fingerprint would. */
const WL_ITERATIONS = 3;

export interface Factor {
  /** the parameter this factor reads (a role, a numeric or a categorical condition) */
  name: string;
  kind: FactorKind;
  /** exponent of the length scale */
  power: 1 | 2;
  /** roles: the Morgan radius of the fingerprints compared */
  radius?: number;
  /** roles: which molecular similarity the distance is made of (default morgan); onehot: same substance or not */
  similarity?: SubstanceView;
}

type SubstanceView = 'morgan' | 'wl' | 'onehot' | 'latent' | 'mpnn' | 'descriptors';

export function factorsOf(schema: ModelSchema, fingerprintRadius: number, substanceKernel: SubstanceKernel = 'morgan'): Factor[] {
  const views = substanceKernel.split('+') as SubstanceView[];
  return [
    ...schema.roles.flatMap((name) => views.map((similarity): Factor => ({ name, kind: 'role', power: 1, radius: fingerprintRadius, similarity }))),
    ...schema.numeric.map((p): Factor => ({ name: p.name, kind: 'numeric', power: 2 })),
    ...schema.categorical.map((p): Factor => ({ name: p.name, kind: 'categorical', power: 1 })),
  ];
}

type FactorValue = string | number;

/** The value each factor takes for an input (numeric values scaled to [-1, 1] over the schema). */
export function factorValues(schema: ModelSchema, factors: Factor[], input: ReactionInput): FactorValue[] {
  return factors.map((f) => {
    if (f.kind === 'role') return input.substances[f.name] ?? '';
    const raw = input.conditions[f.name];
    if (f.kind === 'categorical') return String(raw ?? '');
    const numeric = schema.numeric.find((p) => p.name === f.name)!;
    const lo = scaledValue(numeric, Math.min(...numeric.values));
    const hi = scaledValue(numeric, Math.max(...numeric.values));
    const x = scaledValue(numeric, typeof raw === 'number' ? raw : Number(raw));
    return Number.isFinite(x) ? (hi > lo ? (2 * (x - lo)) / (hi - lo) - 1 : 0) : 0;
  });
}

function distance(factor: Factor, a: FactorValue, b: FactorValue): number {
  const kind = factor.kind;
  if (kind === 'role') {
    if (factor.similarity === 'onehot') return a === b ? 0 : 1;
    if (factor.similarity === 'latent') return latentDistance(a as string, b as string);
    if (factor.similarity === 'mpnn') return reactionEmbeddingDistance(a as string, b as string);
    if (factor.similarity === 'descriptors') return descriptorDistance(a as string, b as string);
    return 1 - (factor.similarity === 'wl' ? wlSimilarity(a as string, b as string, WL_ITERATIONS) : moleculeSimilarity(a as string, b as string, factor.radius!));
  }
  if (kind === 'numeric') return ((a as number) - (b as number)) ** 2 / 2;
  return a === b ? 0 : 1;
}

/** Inputs coded per factor as indices into that factor's distinct values. */
export interface CodedInputs {
  /** per factor: distinct values */
  values: FactorValue[][];
  /** per factor: code of each input */
  codes: Int32Array[];
  n: number;
}

export function codeInputs(factors: Factor[], rows: FactorValue[][]): CodedInputs {
  const values = factors.map(() => [] as FactorValue[]);
  const index = factors.map(() => new Map<FactorValue, number>());
  const codes = factors.map(() => new Int32Array(rows.length));
  rows.forEach((row, i) => {
    factors.forEach((_, f) => {
      const v = row[f]!;
      let c = index[f]!.get(v);
      if (c === undefined) {
        c = values[f]!.length;
        values[f]!.push(v);
        index[f]!.set(v, c);
      }
      codes[f]![i] = c;
    });
  });
  return { values, codes, n: rows.length };
}

/** Per factor: distances between the distinct values of `a` (rows) and of `b` (columns). */
export function distanceTables(factors: Factor[], a: CodedInputs, b: CodedInputs): Float64Array[] {
  return factors.map((f, i) => {
    const va = a.values[i]!;
    const vb = b.values[i]!;
    const table = new Float64Array(va.length * vb.length);
    va.forEach((x, r) => vb.forEach((y, c) => (table[r * vb.length + c] = distance(f, x, y))));
    return table;
  });
}

/** Hyperparameters in log space (optimised unconstrained). */
export interface KernelHyper {
  logLength: number[];
  logProductVariance: number;
  logFactorVariance: number[];
  logNoise: number;
  /** variance of the two-way interaction term; absent: no such term (and in models saved before it existed) */
  logPairVariance?: number;
}

export function hyperToVector(h: KernelHyper): Float64Array {
  return Float64Array.from([...h.logLength, h.logProductVariance, ...h.logFactorVariance, h.logNoise, ...(h.logPairVariance !== undefined ? [h.logPairVariance] : [])]);
}

export function vectorToHyper(v: ArrayLike<number>, factors: number): KernelHyper {
  const a = Array.from(v);
  return {
    logLength: a.slice(0, factors),
    logProductVariance: a[factors]!,
    logFactorVariance: a.slice(factors + 1, 2 * factors + 1),
    logNoise: a[2 * factors + 1]!,
    ...(a.length > 2 * factors + 2 ? { logPairVariance: a[2 * factors + 2]! } : {}),
  };
}

/** The number of pairs of factors the two-way term averages over (0: no two-way term). */
export function pairCount(h: KernelHyper, factors: number): number {
  return h.logPairVariance !== undefined && factors >= 2 ? (factors * (factors - 1)) / 2 : 0;
}

/** Per factor: the kernel table k_f = exp(−d / ℓ^p) for the given distance tables. */
export function kernelTables(factors: Factor[], distances: Float64Array[], h: KernelHyper): Float64Array[] {
  return factors.map((f, i) => {
    const scale = Math.exp(-f.power * h.logLength[i]!);
    return distances[i]!.map((d) => Math.exp(-d * scale));
  });
}

/**
 * The noise-free cross-covariance K(a, b) as a row-major a.n × b.n matrix. `tables` are kernel
 * tables between a's and b's distinct values; `widths` the number of b's distinct values per factor.
 */
export function crossCovariance(a: CodedInputs, b: CodedInputs, tables: Float64Array[], h: KernelHyper): Float64Array {
  const F = tables.length;
  const productVariance = Math.exp(h.logProductVariance);
  const factorVariance = h.logFactorVariance.map(Math.exp);
  const pairs = pairCount(h, F);
  const pairWeight = pairs > 0 ? Math.exp(h.logPairVariance!) / pairs : 0;
  const widths = b.values.map((v) => v.length);
  const out = new Float64Array(a.n * b.n);
  for (let i = 0; i < a.n; i++) {
    const rowBase = i * b.n;
    for (let j = 0; j < b.n; j++) {
      let product = productVariance;
      let sum = 0;
      let plain = 0;
      let squares = 0;
      for (let f = 0; f < F; f++) {
        const k = tables[f]![a.codes[f]![i]! * widths[f]! + b.codes[f]![j]!]!;
        product *= k;
        sum += factorVariance[f]! * k;
        plain += k;
        squares += k * k;
      }
      // Σ_{f<g} k_f k_g = (e₁² − Σ k_f²) / 2 (Newton's identity)
      out[rowBase + j] = product + sum + (pairs > 0 ? (pairWeight * (plain * plain - squares)) / 2 : 0);
    }
  }
  return out;
}

/** The prior variance k(x, x) (same for every x: every factor's self-distance is 0). */
export function priorVariance(h: KernelHyper): number {
  const pairs = pairCount(h, h.logLength.length);
  return Math.exp(h.logProductVariance) + h.logFactorVariance.reduce((s, v) => s + Math.exp(v), 0) + (pairs > 0 ? Math.exp(h.logPairVariance!) : 0);
}
