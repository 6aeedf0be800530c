/**
 * The molecules an autoencoder learns from: every distinct molecule of a reaction file (reactants,
 * reagents and products of each line, USPTO-15K's "mapped reaction  edits" format or plain reaction
 * SMILES) or of a file with one SMILES per line. Atom maps and stereo are dropped (the grammar does
 * not write stereo: two stereoisomers are one molecule here), each molecule is kept once under its
 * canonical SMILES, and written in kekulé form for the grammar.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { withMolecule } from '../chem/parse.js';
import { SmilesError } from '../chem/errors.js';
import { tokenizeSmiles } from './smiles-grammar.js';

export interface CorpusMolecule {
  /** canonical SMILES (aromatic, no stereo): the molecule's identity */
  canonical: string;
  /** canonical kekulé SMILES without stereo: what the autoencoder reads and writes */
  kekule: string;
  heavyAtoms: number;
}

export interface CorpusLimits {
  /** heavy atoms at most */
  maxHeavyAtoms: number;
  /** kekulé SMILES tokens at most */
  maxTokens: number;
}

export const DEFAULT_CORPUS_LIMITS: CorpusLimits = { maxHeavyAtoms: 40, maxTokens: 64 };

const ATOM_MAP = /:\d+\]/g;
const NO_STEREO = JSON.stringify({ isomericSmiles: false });
const KEKULE_NO_STEREO = JSON.stringify({ isomericSmiles: false, doKekule: true });
const RANDOM_KEKULE_NO_STEREO = JSON.stringify({ isomericSmiles: false, doKekule: true, doRandom: true });

/** The canonical and kekulé forms of one molecule; null when RDKit cannot read it or it has several parts. */
export function corpusMolecule(smiles: string): CorpusMolecule | null {
  if (smiles.includes('.')) return null;
  try {
    return withMolecule(smiles.replace(ATOM_MAP, ']'), (mol) => {
      const canonical = mol.get_smiles(NO_STEREO);
      const kekule = mol.get_smiles(KEKULE_NO_STEREO);
      return { canonical, kekule, heavyAtoms: mol.get_num_atoms(true) };
    });
  } catch (error) {
    if (error instanceof SmilesError) return null;
    throw error;
  }
}

/**
 * Another kekulé spelling of a corpus molecule: RDKit's writer from a random atom, taking branches
 * in a random order (ring labels are still the lowest free ones, as the grammar wants). Training on
 * such spellings shows the decoder many ways to build each molecule (Arús-Pous et al., J. Cheminf.
 * 11, 71 (2019)). RDKit draws from its own generator, seeded when the module starts, so a run that
 * asks in the same order gets the same spellings.
 */
export function randomKekuleSpelling(canonical: string): string {
  return withMolecule(canonical, (mol) => mol.get_smiles(RANDOM_KEKULE_NO_STEREO));
}

/** The molecule SMILES of one line: every part of a reaction, or the line's one molecule. */
export function moleculesOfLine(line: string): string[] {
  const field = line.trim().split(/\s+/)[0] ?? '';
  if (field === '' || field.startsWith('#')) return [];
  return field.split(/>|\./).filter((s) => s !== '');
}

export interface CorpusReport {
  molecules: CorpusMolecule[];
  /** lines read */
  lines: number;
  /** molecules RDKit could not read */
  unreadable: number;
  /** molecules over the limits (size, tokens) or outside the grammar */
  outsideLimits: number;
}

/** Reads the distinct molecules of a file, in the order first seen. */
export async function readCorpus(path: string, limits: CorpusLimits = DEFAULT_CORPUS_LIMITS, onProgress?: (lines: number, molecules: number) => void): Promise<CorpusReport> {
  const seenText = new Set<string>();
  const seenCanonical = new Set<string>();
  const molecules: CorpusMolecule[] = [];
  let lines = 0;
  let unreadable = 0;
  let outsideLimits = 0;
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    lines++;
    for (const raw of moleculesOfLine(line)) {
      const stripped = raw.replace(ATOM_MAP, ']');
      if (seenText.has(stripped)) continue;
      seenText.add(stripped);
      const molecule = corpusMolecule(stripped);
      if (!molecule) {
        unreadable++;
        continue;
      }
      if (seenCanonical.has(molecule.canonical)) continue;
      seenCanonical.add(molecule.canonical);
      if (!withinLimits(molecule, limits)) {
        outsideLimits++;
        continue;
      }
      molecules.push(molecule);
    }
    if (onProgress && lines % 1000 === 0) onProgress(lines, molecules.length);
  }
  return { molecules, lines, unreadable, outsideLimits };
}

export function withinLimits(molecule: CorpusMolecule, limits: CorpusLimits): boolean {
  if (molecule.heavyAtoms > limits.maxHeavyAtoms || molecule.heavyAtoms === 0) return false;
  try {
    return tokenizeSmiles(molecule.kekule).length <= limits.maxTokens;
  } catch {
    return false; // a token the grammar does not speak
  }
}
