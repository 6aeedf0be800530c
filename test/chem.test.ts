// src/chem against the real RDKit.js (no mocks).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATOM_FDIM,
  ATOM_FEATURE_SLICES,
  BOND_FDIM,
  BOND_FEATURE_SLICES,
  FEATURIZER_VERSION,
  MAX_SMILES_ATOMS,
  SmilesError,
  canonicalOrNull,
  canonicalSmiles,
  describeMolecule,
  initChem,
  isValidSmiles,
  loadRdkit,
  molecularGraph,
  morganFingerprint,
  tanimoto,
  type FeatureSlice,
  type MolecularGraph,
} from '../src/chem/index.js';
import { perceiveConjugation, valenceContribution } from '../src/chem/conjugation.js';
import { MAX_ATOMIC_NUMBER, element } from '../src/chem/elements.js';
import { perceiveHybridisation } from '../src/chem/hybridisation.js';
import { withMolecule } from '../src/chem/parse.js';
import { incidentBonds, readTopology, type MolTopology } from '../src/chem/topology.js';

beforeAll(async () => {
  await initChem();
});

/** The labels of the non-zero positions of one row, e.g. ['formalCharge=-1', 'aromatic', …]. */
function activeLabels(features: Float32Array, width: number, slices: readonly FeatureSlice[], row: number): string[] {
  const values = features.subarray(row * width, (row + 1) * width);
  return slices.flatMap((slice) =>
    slice.labels.filter((_, j) => values[slice.offset + j] !== 0 && slice.name !== 'mass/100'),
  );
}
const atomLabels = (g: MolecularGraph, atom: number) => activeLabels(g.atomFeatures, ATOM_FDIM, ATOM_FEATURE_SLICES, atom);
const bondLabels = (g: MolecularGraph, bond: number) => activeLabels(g.bondFeatures, BOND_FDIM, BOND_FEATURE_SLICES, bond);
const allBondLabels = (g: MolecularGraph) => Array.from({ length: g.numBonds }, (_, i) => bondLabels(g, i));
const allAtomLabels = (g: MolecularGraph) => Array.from({ length: g.numAtoms }, (_, i) => atomLabels(g, i));

function bondBetween(g: MolecularGraph, a: number, b: number): number {
  for (let i = 0; i < g.numBonds; i++) {
    const [x, y] = [g.bondAtoms[2 * i], g.bondAtoms[2 * i + 1]];
    if ((x === a && y === b) || (x === b && y === a)) return i;
  }
  throw new Error(`no bond ${a}-${b} in ${g.smiles}`);
}

describe('canonicalSmiles / isValidSmiles / describeMolecule', () => {
  it('gives benzene one canonical form whether written aromatic or Kekulé', () => {
    expect(canonicalSmiles('c1ccccc1')).toBe('c1ccccc1');
    expect(canonicalSmiles('C1=CC=CC=C1')).toBe(canonicalSmiles('c1ccccc1'));
    expect(canonicalSmiles('OCC')).toBe(canonicalSmiles('CCO'));
    expect(canonicalSmiles('  CCO\t')).toBe('CCO');
  });

  it('keeps every fragment of a salt, in canonical order', () => {
    expect(isValidSmiles('O=C([O-])C.[K+]')).toBe(true);
    expect(canonicalSmiles('O=C([O-])C.[K+]')).toBe('CC(=O)[O-].[K+]');
    expect(canonicalSmiles('[K+].CC([O-])=O')).toBe('CC(=O)[O-].[K+]');
    const info = describeMolecule('O=C([O-])C.[K+]');
    expect(info).toEqual({
      canonical: 'CC(=O)[O-].[K+]',
      fragments: ['CC(=O)[O-]', '[K+]'],
      heavyAtoms: 5,
      formalCharge: 0,
      formula: 'C2H3KO2',
    });
  });

  it('summarises charged and hetero-atom molecules', () => {
    expect(describeMolecule('CC(=O)[O-]')).toMatchObject({ formalCharge: -1, formula: 'C2H3O2-' });
    expect(describeMolecule('[Cu+2]')).toMatchObject({ heavyAtoms: 1, formalCharge: 2, formula: 'Cu+2' });
    expect(describeMolecule('[Na+].[Cl-]')).toMatchObject({ fragments: ['[Cl-]', '[Na+]'], formula: 'ClNa' });
    expect(describeMolecule('CC(=O)Nc1ccc(O)cc1')).toMatchObject({ heavyAtoms: 11, formula: 'C8H9NO2' });
  });

  it('treats blank input as "no component"', () => {
    expect(canonicalSmiles('')).toBe('');
    expect(canonicalSmiles('   ')).toBe('');
    expect(isValidSmiles('')).toBe(true);
    expect(describeMolecule('')).toEqual({ canonical: '', fragments: [], heavyAtoms: 0, formalCharge: 0 });
  });

  it.each([
    ['C1CC(', 'syntax error'],
    ['not a smiles', 'whitespace'],
    ['C C', 'whitespace'], // RDKit alone would read this as methane
    ['C1CC', 'unclosed ring'],
    ['CC)', 'extra close parentheses'],
    ['C(C)(C)(C)(C)C', 'valence'],
    ['c1cccc1', 'kekulize'],
    ['{"commonchem":{"version":10}}', 'JSON'],
  ])('rejects %j with a SmilesError naming it (%s)', (smiles, reason) => {
    expect(isValidSmiles(smiles)).toBe(false);
    let caught: unknown;
    try {
      canonicalSmiles(smiles);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SmilesError);
    const error = caught as SmilesError;
    expect(error.smiles).toBe(smiles);
    expect(error.message).toContain(`"${smiles.replaceAll('"', '\\"')}"`);
    expect(error.reason.toLowerCase()).toContain(reason.toLowerCase());
    expect(error.message).toBe(`invalid SMILES ${JSON.stringify(smiles)}: ${error.reason}`);
  });

  // RDKit.js overflows its wasm stack on ~600-atom chains (crashing or hanging), so size is checked first.
  it('refuses molecules beyond MAX_SMILES_ATOMS before RDKit sees them', () => {
    expect(MAX_SMILES_ATOMS).toBe(250);
    expect(canonicalSmiles('C'.repeat(MAX_SMILES_ATOMS))).toHaveLength(MAX_SMILES_ATOMS);
    const tooLong = 'C'.repeat(MAX_SMILES_ATOMS + 1);
    expect(() => canonicalSmiles(tooLong)).toThrow(SmilesError);
    expect(() => canonicalSmiles(tooLong)).toThrow(`too large: ${MAX_SMILES_ATOMS + 1} atoms, the limit is ${MAX_SMILES_ATOMS}`);
    expect(() => canonicalSmiles('C'.repeat(5000))).toThrow(/^invalid SMILES "C{80}… \(5000 characters\)": too large/);
    // bracket atoms, two-letter halogens and aromatic atoms count once each
    const ions = '[Na+].[Cl-].'.repeat(121); // 242 atoms
    expect(canonicalSmiles(`${ions}ClCc1ccccc1`)).toContain('ClCc1ccccc1'); // 250
    expect(() => canonicalSmiles(`${ions}ClC(Br)c1ccccc1`)).toThrow('too large: 251 atoms');
  });

  it('canonicalOrNull answers null instead of throwing for non-SMILES text', () => {
    expect(canonicalOrNull('OCC')).toBe('CCO');
    expect(canonicalOrNull('')).toBe('');
    expect(canonicalOrNull('sodium tert-butoxide')).toBeNull();
    expect(canonicalOrNull('C1CC')).toBeNull();
    expect(canonicalOrNull('C1CC')).toBeNull(); // remembered
  });

  it('reports where the parser gave up', () => {
    expect(() => canonicalSmiles('C1CC(')).toThrow('invalid SMILES "C1CC(": syntax error at position 5');
  });
});

describe('molecularGraph', () => {
  it('has a versioned layout whose slices tile the feature vectors', () => {
    expect(FEATURIZER_VERSION).toBe('athanor-graph-v1');
    for (const [slices, width] of [
      [ATOM_FEATURE_SLICES, ATOM_FDIM],
      [BOND_FEATURE_SLICES, BOND_FDIM],
    ] as const) {
      let offset = 0;
      for (const slice of slices) {
        expect(slice.offset).toBe(offset);
        expect(slice.labels).toHaveLength(slice.length);
        offset += slice.length;
      }
      expect(offset).toBe(width);
    }
    expect(ATOM_FEATURE_SLICES.map((s) => s.name)).toEqual([
      'atomicNumber', 'degree', 'formalCharge', 'chirality', 'hydrogens', 'hybridisation', 'aromatic', 'inRing', 'mass/100',
    ]);
    expect(ATOM_FDIM).toBe(135);
    expect(BOND_FEATURE_SLICES.map((s) => s.name)).toEqual(['type', 'conjugated', 'inRing', 'stereo']);
    expect(BOND_FDIM).toBe(14);
  });

  it('gives ethanol 3 heavy atoms, 2 bonds and hydrogens as features', () => {
    const g = molecularGraph('OCC');
    expect(g.smiles).toBe('CCO');
    expect([g.numAtoms, g.numBonds]).toEqual([3, 2]);
    expect(g.atomFeatures).toHaveLength(3 * ATOM_FDIM);
    expect(g.bondFeatures).toHaveLength(2 * BOND_FDIM);
    expect(Array.from(g.bondAtoms)).toEqual([0, 1, 1, 2]);
    expect(g.atomSymbols).toEqual(['C', 'C', 'O']);
    expect(atomLabels(g, 0)).toEqual([
      'atomicNumber=6', 'degree=4', 'formalCharge=0', 'chirality=unspecified', 'hydrogens=3', 'hybridisation=sp3',
    ]);
    expect(atomLabels(g, 2)).toContain('hydrogens=1');
    const mass = ATOM_FEATURE_SLICES.find((s) => s.name === 'mass/100')!;
    expect(g.atomFeatures[2 * ATOM_FDIM + mass.offset]).toBeCloseTo(0.15999, 4);
  });

  it('sets exactly one slot in every one-hot block', () => {
    for (const smiles of ['CC(=O)Nc1ccc(O)cc1', 'O=C([O-])C.[K+]', 'F/C=C/F', '[Cu+2]', '*C', '[NH3]->[Cu]']) {
      const g = molecularGraph(smiles);
      const check = (features: Float32Array, width: number, slices: readonly FeatureSlice[], rows: number) => {
        for (let row = 0; row < rows; row++) {
          for (const slice of slices.filter((s) => s.length > 1)) {
            const block = features.subarray(row * width + slice.offset, row * width + slice.offset + slice.length);
            expect(block.reduce((a, b) => a + b, 0), `${smiles} row ${row} ${slice.name}`).toBe(1);
          }
        }
      };
      check(g.atomFeatures, ATOM_FDIM, ATOM_FEATURE_SLICES, g.numAtoms);
      check(g.bondFeatures, BOND_FDIM, BOND_FEATURE_SLICES, g.numBonds);
    }
  });

  it('sees six aromatic, conjugated ring bonds in benzene however it is written', () => {
    for (const smiles of ['c1ccccc1', 'C1=CC=CC=C1']) {
      const g = molecularGraph(smiles);
      expect(g.numBonds).toBe(6);
      for (const labels of allBondLabels(g)) {
        expect(labels).toEqual(['type=aromatic', 'conjugated', 'inRing', 'stereo=none']);
      }
      for (const labels of allAtomLabels(g)) expect(labels).toEqual(expect.arrayContaining(['aromatic', 'inRing', 'hybridisation=sp2']));
    }
  });

  it('returns the very same cached object for equivalent SMILES', () => {
    expect(molecularGraph('C1=CC=CC=C1')).toBe(molecularGraph('c1ccccc1'));
    expect(molecularGraph('OCC')).toBe(molecularGraph(' CCO '));
    expect(Object.isFrozen(molecularGraph('CCO'))).toBe(true);
  });

  it('gives blank input an empty graph', () => {
    const g = molecularGraph('');
    expect([g.smiles, g.numAtoms, g.numBonds, g.atomFeatures.length, g.bondFeatures.length, g.bondAtoms.length]).toEqual(['', 0, 0, 0, 0, 0]);
  });

  it('throws SmilesError for invalid input', () => {
    expect(() => molecularGraph('C1CC(')).toThrow(SmilesError);
  });

  it('encodes the charges of a salt on the right atoms', () => {
    const g = molecularGraph('O=C([O-])C.[K+]');
    expect(g.atomSymbols).toEqual(['C', 'C', 'O', 'O', 'K']);
    const chargeOf = (i: number) => atomLabels(g, i).find((l) => l.startsWith('formalCharge='));
    expect(g.atomSymbols.map((_, i) => chargeOf(i))).toEqual([
      'formalCharge=0', 'formalCharge=0', 'formalCharge=0', 'formalCharge=-1', 'formalCharge=1',
    ]);
    expect(atomLabels(g, 4)).toEqual(expect.arrayContaining(['atomicNumber=19', 'degree=0', 'hybridisation=s']));
    expect(g.numBonds).toBe(3); // no bond between the ions
  });

  it('perceives hybridisation as RDKit does', () => {
    const hybridisations = (smiles: string) =>
      allAtomLabels(molecularGraph(smiles)).map((labels) => labels.find((l) => l.startsWith('hybridisation=')));
    expect(new Set(hybridisations('c1ccccc1'))).toEqual(new Set(['hybridisation=sp2']));
    expect(hybridisations('CC')).toEqual(['hybridisation=sp3', 'hybridisation=sp3']);
    expect(hybridisations('CC#N')).toEqual(['hybridisation=sp3', 'hybridisation=sp', 'hybridisation=sp']);
    expect(hybridisations('FS(F)(F)(F)(F)F')[1]).toBe('hybridisation=sp3d2');
    // the amide N is sp2 because its lone pair is conjugated with C=O
    expect(hybridisations('CC(N)=O')).toEqual(['hybridisation=sp3', 'hybridisation=sp2', 'hybridisation=sp2', 'hybridisation=sp2']);
  });

  it('detects the triple bond of acetonitrile', () => {
    const g = molecularGraph('CC#N');
    expect(bondLabels(g, bondBetween(g, 1, 2))).toEqual(['type=triple', 'stereo=none']);
    expect(bondLabels(g, bondBetween(g, 0, 1))).toEqual(['type=single', 'stereo=none']);
  });

  it('marks conjugation like RDKit', () => {
    const conjugatedBonds = (smiles: string) => allBondLabels(molecularGraph(smiles)).map((l) => l.includes('conjugated'));
    expect(conjugatedBonds('C=CC=C')).toEqual([true, true, true]);
    expect(conjugatedBonds('C=CCC=C')).toEqual([false, false, false, false]);
    expect(conjugatedBonds('CC=O')).toEqual([false, false]);
    expect(conjugatedBonds('C=CC=O')).toEqual([true, true, true]);
    expect(conjugatedBonds('CC#N')).toEqual([false, false]);
    expect(conjugatedBonds('Pc1ccccc1')[0]).toBe(false); // RDKit Issue211
  });

  it('marks ring membership of atoms and bonds', () => {
    const g = molecularGraph('CC1CCCCC1'); // methylcyclohexane
    expect(allAtomLabels(g).map((l) => l.includes('inRing'))).toEqual([false, true, true, true, true, true, true]);
    expect(allBondLabels(g).map((l) => l.includes('inRing'))).toEqual([false, true, true, true, true, true, true]);
    const biphenyl = molecularGraph('c1ccc(-c2ccccc2)cc1');
    expect(allBondLabels(biphenyl).filter((l) => !l.includes('inRing'))).toEqual([['type=single', 'conjugated', 'stereo=none']]);
    const spiro = molecularGraph('C1CCC2(CC1)CCCC2');
    expect(allBondLabels(spiro).every((l) => l.includes('inRing'))).toBe(true);
  });

  it('describes double-bond stereo as E/Z and tetrahedral centres by chiral tag', () => {
    const stereoOfDoubleBond = (smiles: string) =>
      allBondLabels(molecularGraph(smiles)).find((l) => l.includes('type=double'))!.find((l) => l.startsWith('stereo='));
    expect(stereoOfDoubleBond('F/C=C/F')).toBe('stereo=E');
    expect(stereoOfDoubleBond('F/C=C\\F')).toBe('stereo=Z');
    // Cl and F are the top-ranked substituents and sit on the same side
    expect(stereoOfDoubleBond('C/C(Cl)=C(/F)C')).toBe('stereo=Z');
    expect(stereoOfDoubleBond('C/C(Cl)=C(\\F)C')).toBe('stereo=E');
    expect(stereoOfDoubleBond('CC=CC')).toBe('stereo=none');

    const chiralTags = (smiles: string) =>
      allAtomLabels(molecularGraph(smiles)).map((l) => l.find((x) => x.startsWith('chirality='))!.slice('chirality='.length));
    expect(chiralTags('C[C@H](N)C(=O)O')[1]).toMatch(/^(cw|ccw)$/);
    expect(chiralTags('C[C@H](N)C(=O)O')[1]).not.toBe(chiralTags('C[C@@H](N)C(=O)O')[1]);
    expect(chiralTags('CC(N)C(=O)O')[1]).toBe('unspecified');
  });
});

describe('morganFingerprint / tanimoto', () => {
  it('is 2048 bits of 0/1 by default and cached per canonical form', () => {
    const fp = morganFingerprint('CCO');
    expect(fp).toBeInstanceOf(Uint8Array);
    expect(fp).toHaveLength(2048);
    expect(fp.every((bit) => bit === 0 || bit === 1)).toBe(true);
    expect(fp.some((bit) => bit === 1)).toBe(true);
    expect(morganFingerprint('OCC')).toBe(fp);
    expect(morganFingerprint('CCO', { radius: 1, nBits: 512 })).toHaveLength(512);
    expect(morganFingerprint('CCO', { radius: 1, nBits: 512 })).not.toBe(fp);
  });

  it('scores identical molecules 1 and unrelated ones low', () => {
    expect(tanimoto(morganFingerprint('c1ccccc1'), morganFingerprint('C1=CC=CC=C1'))).toBe(1);
    expect(tanimoto(morganFingerprint('CCO'), morganFingerprint('c1ccccc1'))).toBeLessThan(0.2);
    const related = tanimoto(morganFingerprint('CCCCO'), morganFingerprint('CCCCCO'));
    expect(related).toBeGreaterThan(0.2);
    expect(related).toBeLessThan(1);
  });

  it('handles blank molecules, empty vectors and mismatched lengths', () => {
    expect(morganFingerprint('').every((bit) => bit === 0)).toBe(true);
    expect(tanimoto(morganFingerprint(''), morganFingerprint(''))).toBe(0);
    expect(tanimoto(new Uint8Array(0), new Uint8Array(0))).toBe(0);
    expect(() => tanimoto(new Uint8Array(8), new Uint8Array(16))).toThrow(RangeError);
    expect(() => morganFingerprint('CCO', { radius: -1 })).toThrow(RangeError);
    expect(() => morganFingerprint('CCO', { nBits: 0 })).toThrow(RangeError);
    expect(() => morganFingerprint('C1CC(')).toThrow(SmilesError);
  });
});

describe('agreement with the installed RDKit', () => {
  it('uses RDKit’s element symbols, masses and default valences', async () => {
    const rdkit = await loadRdkit();
    for (let z = 1; z <= MAX_ATOMIC_NUMBER; z++) {
      const { symbol, mass, defaultValence } = element(z);
      const atom = rdkit.get_mol(`[#${z}]`)!;
      try {
        expect(atom.get_smiles()).toBe(`[${symbol}]`);
        expect(JSON.parse(atom.get_descriptors()).amw).toBeCloseTo(mass, 2);
      } finally {
        atom.delete();
      }
      // A bare atom in a molfile is given implicit hydrogens up to its default valence.
      const molfile = `\n     RDKit          2D\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 ${symbol.padEnd(3)} 0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n`;
      const bare = rdkit.get_mol(molfile)!;
      try {
        expect(readTopology(bare).atoms[0]?.hydrogens, symbol).toBe(Math.max(defaultValence, 0));
      } finally {
        bare.delete();
      }
    }
  });

  // RDKit turns an sp3-looking atom (4 orbitals, ≤3 neighbours) into sp2 exactly
  // when it has a conjugated bond, so RDKit's own hybridisation checks our port
  // of its conjugation rule.
  it('agrees with RDKit’s hybridisation, which depends on conjugation', () => {
    const molecules = `OC=O NC(=O)C Oc1ccccc1 Nc1ccccc1 C=CS C=CCl CC(=O)[O-] [O-]c1ccccc1 C=C[S-] CSc1ccccc1 Pc1ccccc1
      CN(C)C=O CC(=O)OC(C)=O C=C[Se]C C=CP(C)C C=C[As](C)C C=C[Si](C)(C)C OB(O)C=C C=CB(C)C C=NO ON=C CC=NN
      [CH3] C[CH2] C=C[O] [NH3]->[Cu] C[O+](C)C C[N+](=O)[O-] CS(C)=O CN1C=NC2=C1C(=O)N(C(=O)N2C)C O=c1cc[nH]cc1
      CC(C)Cc1ccc(cc1)C(C)C(=O)O N#C[S-] [N-]=[N+]=[N-] C=[N+]([O-])C c1ccc2c(c1)oc1ccccc12 C=C[Mg]C [BH4-]`.split(/\s+/);
    for (const smiles of molecules) {
      withMolecule(canonicalSmiles(smiles), (mol) => {
        const topology = readTopology(mol);
        expect(rdkitStyleHybridisation(topology), smiles).toEqual(perceiveHybridisation(mol, topology.atoms.length));
      });
    }
  });
});

/** RDKit's MolOps::setHybridization (ConjugHybrid.cpp), fed with our conjugation perception. */
function rdkitStyleHybridisation(topology: MolTopology): string[] {
  const conjugated = perceiveConjugation(topology);
  const incident = incidentBonds(topology);
  return topology.atoms.map((atom, i) => {
    const bonds = incident[i]!;
    const totalDegree = bonds.length + atom.hydrogens;
    if (atom.atomicNumber === 0) return 'other';
    if ((atom.chirality === 'cw' || atom.chirality === 'ccw') && totalDegree === 4) return 'sp3';
    let orbitals = totalDegree;
    for (const b of bonds) {
      const bond = topology.bonds[b]!;
      if (bond.order === 0 || (bond.order === 17 && bond.end !== i)) orbitals--;
    }
    if (atom.atomicNumber > 1 && atom.atomicNumber < 89) {
      const outer = element(atom.atomicNumber).outerElectrons;
      const valence = Math.round(bonds.reduce((s, b) => s + valenceContribution(topology.bonds[b]!, i), 0) + 0.1) + atom.hydrogens;
      const free = outer - (valence + atom.formalCharge);
      orbitals +=
        valence + outer - atom.formalCharge < 8
          ? Math.trunc((free - atom.radicalElectrons) / 2) + atom.radicalElectrons
          : Math.trunc(free / 2);
    }
    if (orbitals === 4) return totalDegree > 3 || !bonds.some((b) => conjugated[b]) ? 'sp3' : 'sp2';
    return ['s', 's', 'sp', 'sp2', undefined, 'sp3d', 'sp3d2'][orbitals] ?? 'other';
  });
}
