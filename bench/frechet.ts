/**
 * A Fréchet distance between two sets of molecules on RDKit descriptors (the idea of MOSES's FCD
 * with a descriptor set RDKit.js computes instead of a ChemNet embedding, which we do not have):
 * each set's descriptors, standardised by the reference set, fitted by a Gaussian;
 * d² = |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). 0 for identical distributions.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { rdkitDescriptors } from '../src/chem/index.js';

export const DESCRIPTORS = ['exactmw', 'CrippenClogP', 'tpsa', 'NumHBD', 'NumHBA', 'NumRotatableBonds', 'NumRings', 'NumAromaticRings', 'FractionCSP3', 'NumHeteroatoms', 'NumHeavyAtoms'] as const;

export function descriptorRows(smiles: readonly string[]): number[][] {
  return smiles.map((s) => rdkitDescriptors(s, DESCRIPTORS));
}

function meanAndCovariance(rows: number[][]): { mean: number[]; cov: Matrix } {
  const n = rows.length;
  const d = rows[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  const cov = new Matrix(d, d);
  for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov.set(i, j, cov.get(i, j) + ((r[i]! - mean[i]!) * (r[j]! - mean[j]!)) / (n - 1));
  return { mean, cov };
}

/** Square root of a symmetric positive semi-definite matrix (negative eigenvalues from rounding set to 0). */
function sqrtSymmetric(m: Matrix): Matrix {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = e.eigenvectorMatrix;
  const root = Matrix.diag(e.realEigenvalues.map((x) => Math.sqrt(Math.max(0, x))));
  return v.mmul(root).mmul(v.transpose());
}

/** Fréchet distance (d²) between `a` and `b`, both standardised by `reference`'s mean and standard deviation. */
export function frechetDistance(a: number[][], b: number[][], reference: number[][]): number {
  const { mean: mu, cov } = meanAndCovariance(reference);
  const sd = mu.map((_, j) => Math.sqrt(cov.get(j, j)) || 1);
  const scale = (rows: number[][]) => rows.map((r) => r.map((x, j) => (x - mu[j]!) / sd[j]!));
  const A = meanAndCovariance(scale(a));
  const B = meanAndCovariance(scale(b));
  const rootA = sqrtSymmetric(A.cov);
  const cross = sqrtSymmetric(rootA.mmul(B.cov).mmul(rootA));
  const meanTerm = A.mean.reduce((s, x, j) => s + (x - B.mean[j]!) ** 2, 0);
  return meanTerm + A.cov.trace() + B.cov.trace() - 2 * cross.trace();
}
