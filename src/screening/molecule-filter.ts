/**
 * Whether a library molecule is one a chemist would put in this role at all: parsed by RDKit, not
 * too large, made of allowed elements. The default elements are the organic set plus every element
 * the role's own substances already contain (a base role of caesium salts keeps caesium), so a
 * screen does not fill its top ranks with organometallics the model has never seen.
 */
import { rememberMorganFingerprint, type MorganOptions } from '../chem/fingerprint.js';
import type { RDKitMol } from '../chem/rdkit.js';
import { canonicalSmilesWith } from '../chem/smiles.js';
import { SmilesError } from '../chem/errors.js';
import { withMolblock } from '../chem/parse.js';

export interface MoleculeFilter {
  /** Heavy atoms at most (all fragments together). */
  maxHeavyAtoms: number;
  /** Element symbols allowed (hydrogen always is). */
  elements: ReadonlySet<string>;
}

export const ORGANIC_ELEMENTS = ['B', 'C', 'N', 'O', 'F', 'Si', 'P', 'S', 'Cl', 'Se', 'Br', 'I'] as const;
export const DEFAULT_MAX_HEAVY_ATOMS = 70;

/** The default filter for a role whose current substances are `roleSmiles`. */
export function defaultFilter(roleSmiles: readonly string[], maxHeavyAtoms = DEFAULT_MAX_HEAVY_ATOMS): MoleculeFilter {
  const elements = new Set<string>(ORGANIC_ELEMENTS);
  for (const smiles of roleSmiles) for (const symbol of atomsOf(smiles).elements) elements.add(symbol);
  return { maxHeavyAtoms, elements };
}

export type Verdict = { ok: true; smiles: string; heavyAtoms: number } | { ok: false; reason: string };

/**
 * Canonical SMILES of a record (a SMILES or a molblock) and whether the filter lets it through.
 * `fingerprints`: Morgan fingerprints the model will ask for, computed from the same parse.
 */
export function judgeMolecule(record: { smiles?: string | undefined; molblock?: string | undefined }, filter: MoleculeFilter, fingerprints: readonly MorganOptions[] = []): Verdict {
  const remember = (mol: RDKitMol, canonical: string) => fingerprints.forEach((opts) => rememberMorganFingerprint(canonical, mol, opts));
  let smiles: string;
  try {
    smiles =
      record.molblock !== undefined
        ? withMolblock(record.molblock, (mol) => {
            const canonical = mol.get_smiles();
            remember(mol, canonical);
            return canonical;
          })
        : canonicalSmilesWith(record.smiles ?? '', remember);
  } catch (error) {
    if (error instanceof SmilesError) return { ok: false, reason: `not a molecule (${error.reason})` };
    throw error;
  }
  if (smiles === '') return { ok: false, reason: 'empty SMILES' };
  const { elements, heavyAtoms } = atomsOf(smiles);
  if (heavyAtoms > filter.maxHeavyAtoms) return { ok: false, reason: `too large: ${heavyAtoms} heavy atoms, the limit is ${filter.maxHeavyAtoms}` };
  const foreign = [...elements].filter((e) => !filter.elements.has(e));
  if (foreign.length > 0) return { ok: false, reason: `element${foreign.length > 1 ? 's' : ''} ${foreign.join(', ')} not allowed in this role` };
  return { ok: true, smiles, heavyAtoms };
}

/**
 * Element symbols and heavy atoms of a canonical SMILES, read from its atom tokens. Hand-written:
 * RDKit.js would need a second parse and a JSON round trip per molecule, and a canonical SMILES's
 * atoms are regular (bracket atoms, or the organic subset's one- and two-letter symbols).
 */
export function atomsOf(smiles: string): { elements: Set<string>; heavyAtoms: number } {
  const elements = new Set<string>();
  let heavyAtoms = 0;
  for (const [, bracket, organic] of smiles.matchAll(/\[\d*([A-Z][a-z]?|se|as|te|[bcnops])[^\]]*\]|(Cl|Br|[BCNOPSFI]|[bcnops])/g)) {
    const raw = bracket ?? organic!;
    const symbol = raw.length === 1 ? raw.toUpperCase() : raw[0]!.toUpperCase() + raw.slice(1);
    if (symbol === 'H') continue;
    elements.add(symbol);
    heavyAtoms++;
  }
  return { elements, heavyAtoms };
}
