// SMILES validation, canonicalisation and a chemist-facing summary of a molecule.
import { BoundedCache } from './cache.js';
import { element } from './elements.js';
import { SmilesError } from './errors.js';
import { normaliseSmilesText, withMolecule } from './parse.js';
import type { RDKitMol } from './rdkit.js';
import { requireRdkit } from './runtime.js';
import { readTopology, type MolTopology } from './topology.js';

const canonicalForms = new BoundedCache<string, string>(100_000);

/**
 * RDKit's canonical (isomeric) SMILES. Blank input gives '' ("no component").
 * Multi-fragment inputs such as salts keep every fragment, in canonical order.
 * Throws SmilesError for anything that is not a sane SMILES.
 */
export function canonicalSmiles(smiles: string): string {
  requireRdkit(); // fail loudly on missing initialisation even for inputs we could answer without RDKit
  return canonicalForms.get(smiles) ?? canonicalSmilesWith(smiles, () => undefined);
}

/**
 * canonicalSmiles, with the parsed molecule handed to `alsoWith` before it is freed (and the
 * canonical form remembered as for canonicalSmiles): for work that needs both from one parse.
 */
export function canonicalSmilesWith(smiles: string, alsoWith: (mol: RDKitMol, canonical: string) => void): string {
  requireRdkit();
  const text = normaliseSmilesText(smiles);
  if (text === '') return canonicalForms.set(smiles, '');
  const canonical = withMolecule(text, (mol) => {
    const found = mol.get_smiles();
    alsoWith(mol, found);
    return found;
  });
  // a canonical SMILES is its own canonical form: what is asked next (a fingerprint, a model's
  // featurisation) usually asks with the canonical text
  if (canonical !== smiles) canonicalForms.set(canonical, canonical);
  return canonicalForms.set(smiles, canonical);
}

const notSmiles = new BoundedCache<string, true>(10_000);

/**
 * The canonical form, or null when the text is not a SMILES (a name, say): for matching table cells,
 * where most texts repeat, so failures are remembered too.
 */
export function canonicalOrNull(text: string): string | null {
  if (notSmiles.get(text)) return null;
  try {
    return canonicalSmiles(text);
  } catch (error) {
    if (!(error instanceof SmilesError)) throw error;
    notSmiles.set(text, true);
    return null;
  }
}

/** True exactly when canonicalSmiles would accept the input; so blank input counts as valid ("no component"). */
export function isValidSmiles(smiles: string): boolean {
  try {
    canonicalSmiles(smiles);
    return true;
  } catch (error) {
    if (error instanceof SmilesError) return false;
    throw error;
  }
}

export interface MoleculeInfo {
  canonical: string;
  /** canonical SMILES of each disconnected component, in the order they appear in `canonical` */
  fragments: string[];
  heavyAtoms: number;
  /** net formal charge */
  formalCharge: number;
  /** Hill-order molecular formula with RDKit's charge suffix, e.g. 'C2H3O2-'; absent for blank input */
  formula?: string;
}

export function describeMolecule(smiles: string): MoleculeInfo {
  const canonical = canonicalSmiles(smiles);
  if (canonical === '') return { canonical, fragments: [], heavyAtoms: 0, formalCharge: 0 };
  const topology = withMolecule(canonical, readTopology);
  const formalCharge = topology.atoms.reduce((sum, atom) => sum + atom.formalCharge, 0);
  return {
    canonical,
    // '.' only ever separates components in SMILES; each piece is re-canonicalised on its own.
    fragments: canonical.split('.').map(canonicalSmiles),
    heavyAtoms: topology.atoms.filter((atom) => atom.atomicNumber > 1).length,
    formalCharge,
    formula: hillFormula(topology, formalCharge),
  };
}

function hillFormula(topology: MolTopology, formalCharge: number): string {
  const counts = new Map<string, number>();
  const add = (symbol: string, n: number): void => {
    if (n > 0) counts.set(symbol, (counts.get(symbol) ?? 0) + n);
  };
  for (const atom of topology.atoms) {
    add(element(atom.atomicNumber).symbol, 1);
    add('H', atom.hydrogens);
  }
  // Hill order: C then H first when carbon is present, everything else alphabetical.
  const leading = counts.has('C') ? ['C', 'H'].filter((s) => counts.has(s)) : [];
  const rest = [...counts.keys()].filter((s) => !leading.includes(s)).sort();
  const body = [...leading, ...rest].map((s) => (counts.get(s) === 1 ? s : `${s}${counts.get(s)}`)).join('');
  const sign = formalCharge > 0 ? '+' : '-';
  const charge = formalCharge === 0 ? '' : Math.abs(formalCharge) === 1 ? sign : `${sign}${Math.abs(formalCharge)}`;
  return body + charge;
}
