// Turning user text into an RDKit molecule, or a SmilesError that says why not.
import { SmilesError } from './errors.js';
import type { RDKitMol } from './rdkit.js';
import { useRdkit } from './runtime.js';

/**
 * Largest molecule accepted, in atoms written in the SMILES. RDKit.js recurses
 * along chains on a small wasm stack: a ~610-atom chain crashes get_smiles and
 * a ~700-atom one can hang it, and kekulising malformed fused aromatic systems
 * of ~300 atoms can take tens of seconds, none of which can be interrupted from
 * JavaScript. Reaction components (substrates, ligands, catalysts, solvents)
 * are far smaller.
 */
export const MAX_SMILES_ATOMS = 250;

/**
 * Trims the input and rejects text RDKit's get_mol would accept but is not a
 * plain SMILES: it stops reading at whitespace (so 'not a smiles' parses as
 * nitrogen, 'C C' as methane) and it routes JSON to a different parser.
 * Returns '' for blank input, which callers treat as "no component".
 */
export function normaliseSmilesText(input: string): string {
  const smiles = input.trim();
  if (/\s/.test(smiles)) throw new SmilesError(smiles, 'contains whitespace');
  if (smiles.includes('{')) throw new SmilesError(smiles, 'looks like JSON, not SMILES');
  const atoms = countWrittenAtoms(smiles);
  if (atoms > MAX_SMILES_ATOMS) {
    throw new SmilesError(smiles, `too large: ${atoms} atoms, the limit is ${MAX_SMILES_ATOMS}`);
  }
  return smiles;
}

/** Atoms spelled out in a SMILES: bracket atoms, organic-subset symbols and '*'. */
function countWrittenAtoms(smiles: string): number {
  return smiles.match(/\[[^\]]*\]|Cl|Br|[BCNOPSFI]|[bcnops]|\*/g)?.length ?? 0;
}

/** Parses a non-empty, normalised SMILES, hands the molecule to `use`, and always frees its wasm memory. */
export function withMolecule<T>(smiles: string, use: (mol: RDKitMol) => T): T {
  return withParsed(smiles, smiles, use);
}

/** Parses an MDL molblock (a record of an SD file) and hands the molecule to `use`; a SmilesError, named by the record's title line, says why RDKit refused it. */
export function withMolblock<T>(molblock: string, use: (mol: RDKitMol) => T): T {
  return withParsed(molblock, molblock.split('\n', 1)[0]?.trim() || 'molblock', use);
}

function withParsed<T>(input: string, label: string, use: (mol: RDKitMol) => T): T {
  return useRdkit((rdkit, takeErrors) => {
    takeErrors(); // discard anything logged by earlier calls
    const mol = rdkit.get_mol(input);
    const errors = takeErrors();
    try {
      if (!mol?.is_valid()) throw new SmilesError(label, describeRdkitFailure(errors));
      return use(mol);
    } finally {
      mol?.delete();
    }
  });
}

const TIMESTAMP = /^\[\d\d:\d\d:\d\d\]\s*/;

/** Condenses RDKit's multi-line log (timestamps, caret diagrams, echoed input) into one short reason. */
export function describeRdkitFailure(log: string): string {
  const lines = log
    .split('\n')
    .map((line) => line.replace(TIMESTAMP, '').trim())
    .filter((line) => line.length > 0);
  const position = lines.map((line) => /around position (\d+)/.exec(line)?.[1]).find((p) => p !== undefined);
  const headline = (lines[0] ?? '')
    .replace(/^SMILES Parse Error:\s*/, '')
    .replace(/\s+while parsing:.*$/, '')
    .replace(/\s+for input:.*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!headline) return 'RDKit could not parse it';
  return position === undefined ? headline : `${headline} at position ${position}`;
}
