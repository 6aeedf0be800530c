// Weisfeiler–Lehman subtree features and their MinMax kernel, on real RDKit graphs.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import { initChem } from '../src/chem/index.js';
import { wlSimilarity, wlSubtreeFeatures } from '../src/models/featurize/wl-subtree.js';

beforeAll(async () => {
  await initChem();
});

const LIGANDS = [
  'CC(C)C1=CC(C(C)C)=CC(C(C)C)=C1C2=C(P(C3CCCCC3)C4CCCCC4)C=CC=C2', // XPhos
  'P(C1=CC=CC=C1)(C2=CC=CC=C2)C3=CC=CC=C3', // PPh3
  'CP(C)C1=CC=CC=C1',
  'CP(C1=CC=CC=C1)C2=CC=CC=C2',
  'P(C1CCCCC1)(C2CCCCC2)C3CCCCC3',
  'O=C([O-])C.[Cs+]',
  'O=C([O-])C.[K+]',
  'CCCCOC(C)=O',
  'CC(N(C)C)=O',
  '',
];

describe('WL subtree features', () => {
  it('count one label per atom and iteration, the same for every way of writing a molecule', () => {
    const f = wlSubtreeFeatures('CCO', 2);
    expect(f.counts.reduce((a, b) => a + b, 0)).toBe(3 * 3);
    expect(wlSimilarity('OCC', 'C(O)C', 2)).toBe(1);
    expect(wlSimilarity('c1ccccc1O', 'Oc1ccccc1', 3)).toBe(1);
  });

  it('tell homologues apart by counts, and rank near neighbours above far ones', () => {
    const ethanolPropanol = wlSimilarity('CCO', 'CCCO', 3);
    const ethanolBenzene = wlSimilarity('CCO', 'c1ccccc1', 3);
    expect(ethanolPropanol).toBeGreaterThan(ethanolBenzene);
    expect(ethanolPropanol).toBeLessThan(1);
    // PMe2Ph is closer to PMePh2 than to PCy3
    expect(wlSimilarity('CP(C)C1=CC=CC=C1', 'CP(C1=CC=CC=C1)C2=CC=CC=C2', 2)).toBeGreaterThan(wlSimilarity('CP(C)C1=CC=CC=C1', 'P(C1CCCCC1)(C2CCCCC2)C3CCCCC3', 2));
    // caesium and potassium acetate share the acetate
    const salts = wlSimilarity('O=C([O-])C.[Cs+]', 'O=C([O-])C.[K+]', 2);
    expect(salts).toBeGreaterThan(0.5);
    expect(salts).toBeLessThan(1);
  });

  it('the empty role is similar only to itself', () => {
    expect(wlSimilarity('', '', 2)).toBe(1);
    expect(wlSimilarity('', 'CCO', 2)).toBe(0);
  });

  it('gives a symmetric, positive semi-definite Gram matrix (a valid GP kernel)', () => {
    const n = LIGANDS.length;
    const gram = Matrix.zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram.set(i, j, wlSimilarity(LIGANDS[i]!, LIGANDS[j]!, 3));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(gram.get(i, j)).toBeCloseTo(gram.get(j, i), 12);
    const eigenvalues = new EigenvalueDecomposition(gram).realEigenvalues;
    expect(Math.min(...eigenvalues)).toBeGreaterThan(-1e-9);
  });
});
