// Substances compared by RDKit descriptors (the GP's 'descriptors' view): real RDKit.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import { initChem } from '../src/chem/index.js';
import { descriptorDistance, SUBSTANCE_DESCRIPTORS, substanceDescriptors } from '../src/models/featurize/descriptors.js';

beforeAll(async () => {
  await initChem();
});

const toluene = 'Cc1ccccc1';
const xylene = 'Cc1ccccc1C';
const dmf = 'CN(C)C=O';
const dmac = 'CC(=O)N(C)C';
const triphenylphosphine = 'c1ccc(P(c2ccccc2)c2ccccc2)cc1';
const potassiumCarbonate = 'O=C([O-])[O-].[K+].[K+]';

describe('the descriptor distance between substances', () => {
  const all = [toluene, xylene, dmf, dmac, triphenylphosphine, potassiumCarbonate, ''];

  it('is 0 for a substance and itself, symmetric, positive between different substances', () => {
    for (const a of all) {
      expect(descriptorDistance(a, a)).toBe(0);
      for (const b of all) {
        expect(descriptorDistance(a, b)).toBeCloseTo(descriptorDistance(b, a), 12);
        if (a !== b) expect(descriptorDistance(a, b)).toBeGreaterThan(0);
      }
    }
  });

  it('puts two amide solvents together and two arenes together, apart from each other and from a phosphine or a salt', () => {
    expect(descriptorDistance(dmf, dmac)).toBeLessThan(descriptorDistance(dmf, toluene));
    expect(descriptorDistance(toluene, xylene)).toBeLessThan(descriptorDistance(toluene, dmac));
    expect(descriptorDistance(toluene, xylene)).toBeLessThan(descriptorDistance(toluene, triphenylphosphine));
    expect(descriptorDistance(dmf, dmac)).toBeLessThan(descriptorDistance(dmf, potassiumCarbonate));
  });

  it('reads the descriptors RDKit computes, on a log scale', () => {
    const v = substanceDescriptors(triphenylphosphine);
    expect(v).toHaveLength(SUBSTANCE_DESCRIPTORS.length);
    // three aromatic rings, 19 heavy atoms
    expect(v[SUBSTANCE_DESCRIPTORS.indexOf('NumAromaticRings')]).toBeCloseTo(Math.log(4), 5);
    expect(v[SUBSTANCE_DESCRIPTORS.indexOf('NumHeavyAtoms')]).toBeCloseTo(Math.log(20), 5);
    // the empty "none" choice has no atoms, and an unreadable SMILES is compared as if it had none
    expect(Array.from(substanceDescriptors(''))).toEqual(new Array(SUBSTANCE_DESCRIPTORS.length).fill(0));
    expect(descriptorDistance('not a molecule', '')).toBe(0);
  });

  it('gives a kernel exp(−d/ℓ) that is positive semi-definite', () => {
    const molecules = all.slice(0, 6);
    const n = molecules.length;
    const gram = Matrix.zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram.set(i, j, Math.exp(-descriptorDistance(molecules[i]!, molecules[j]!) / 0.3));
    expect(Math.min(...new EigenvalueDecomposition(gram).realEigenvalues)).toBeGreaterThan(-1e-9);
  });
});
