// Chemistry for Athanor: the only module that talks to RDKit. Call initChem()
// once at start-up; everything else is synchronous.
export { loadRdkit, type RDKitModule } from './rdkit.js';
export { initChem } from './runtime.js';
export { SmilesError } from './errors.js';
export { MAX_SMILES_ATOMS } from './parse.js';
export { canonicalSmiles, canonicalOrNull, isValidSmiles, describeMolecule, type MoleculeInfo } from './smiles.js';
export {
  FEATURIZER_VERSION,
  ATOM_FDIM,
  BOND_FDIM,
  ATOM_FEATURE_SLICES,
  BOND_FEATURE_SLICES,
  molecularGraph,
  molecularGraphAsWritten,
  type MolecularGraph,
  type AtomFacts,
  type BondFacts,
  type BondType,
} from './graph.js';
export type { FeatureSlice } from './features.js';
export type { Hybridisation } from './hybridisation.js';
export type { BondStereo } from './stereo.js';
export { morganFingerprint, tanimoto, type MorganOptions } from './fingerprint.js';
export { rdkitDescriptors } from './descriptors.js';
export { atomMorganBits, type AtomMorganBits } from './atom-environments.js';
