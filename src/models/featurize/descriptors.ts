/**
 * Substances as physical-organic descriptors (issue 14: the kind of representation BayBE and EDBO
 * use, there Mordred or DFT descriptors, here the RDKit 2D descriptors RDKit.js computes). A
 * fingerprint says which substructures two ligands share; descriptors say how big, how polar, how
 * lipophilic, how flexible and how aromatic they are, which is what often decides a base or a
 * solvent. Fourteen weakly correlated descriptors cover size (exact mass, molar refractivity,
 * heavy atoms), polarity (TPSA, H-bond donors and acceptors, heteroatoms), lipophilicity (Crippen
 * logP), flexibility (rotatable bonds, κ2, fraction sp3) and rings (all and aromatic, Hall–Kier α).
 *
 * Scale: every campaign has other substances, so no per-role standardisation is fitted (a
 * distance must not change with the set of molecules it is computed among, or training and
 * prediction covariances would disagree). Instead each descriptor is put on a log scale,
 * t = sign(x)·ln(1 + |x|): one more ring or donor in a small molecule counts more than in a large
 * one, and mass, TPSA and counts land on comparable ranges (0–6). The distance is the mean squared
 * difference over the descriptors, halved, which a kernel exp(−d/ℓ) turns into a squared
 * exponential whose length scale the GP learns per role. The empty "none" choice is the zero
 * vector (no atoms, no mass), so "no additive" sits nearest the smallest additives.
 */
import { rdkitDescriptors, SmilesError } from '../../chem/index.js';
import { MoleculeVectors } from './molecule-vectors.js';

export const SUBSTANCE_DESCRIPTORS = [
  'exactmw',
  'CrippenMR',
  'NumHeavyAtoms',
  'tpsa',
  'NumHBD',
  'NumHBA',
  'NumHeteroatoms',
  'CrippenClogP',
  'NumRotatableBonds',
  'kappa2',
  'FractionCSP3',
  'NumRings',
  'NumAromaticRings',
  'hallKierAlpha',
] as const;

const signedLog = (x: number) => Math.sign(x) * Math.log1p(Math.abs(x));

function describe(smiles: string): Float32Array | null {
  try {
    return Float32Array.from(rdkitDescriptors(smiles, SUBSTANCE_DESCRIPTORS), signedLog);
  } catch (error) {
    // a SMILES RDKit cannot read is compared as if it had no atoms; anything else is a fault to report
    if (error instanceof SmilesError) return null;
    throw error;
  }
}

const descriptors = new MoleculeVectors(describe);
const NOTHING = new Float32Array(SUBSTANCE_DESCRIPTORS.length);

/** The log-scaled descriptor vector of a molecule (zeros for the empty choice). */
export function substanceDescriptors(smiles: string): Float32Array {
  return descriptors.of(smiles) ?? NOTHING;
}

/** Half the mean squared difference of the two molecules' log-scaled descriptors (0 for the same molecule). */
export function descriptorDistance(a: string, b: string): number {
  if (a === b) return 0;
  const da = substanceDescriptors(a);
  const db = substanceDescriptors(b);
  let sum = 0;
  for (let i = 0; i < da.length; i++) sum += (da[i]! - db[i]!) ** 2;
  return sum / (2 * da.length);
}
