/**
 * The grammar the autoencoder decodes under: every corpus molecule is a path it allows, and any
 * path it allows — here random ones, the worst a decoder could do — ends in a molecule RDKit
 * sanitises. Real RDKit throughout.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalOrNull, initChem } from '../../src/chem/index.js';
import { corpusMolecule, moleculesOfLine, randomKekuleSpelling } from '../../src/generative/corpus.js';
import { END, GrammarState, SmilesVocabulary, tokenizeSmiles } from '../../src/generative/smiles-grammar.js';
import { rngFor } from '../../src/util/random.js';

/** Molecules of the kinds the corpus holds: rings sharing atoms, charges, a nitro group, halides, silicon, a spiro centre. */
const KNOWN = [
  'CC(=O)Oc1ccccc1C(=O)O',
  'Brc1ccc2ccccc2c1',
  'O=[N+]([O-])c1ccc(Cl)cc1',
  'CC(C)(C)OC(=O)N1CCC(CO)CC1',
  'C[Si](C)(C)C#Cc1ccccn1',
  'O=C1NCCC12CCC1(CC2)OCCO1',
  'COc1ccc(B(O)O)cc1',
  'Cc1cc(C)n(-c2ccc(N)cc2)n1',
  'CCN(CC)CC',
  'O=S(=O)(Cl)c1ccc(F)cc1',
  'FC(F)(F)c1ccc(I)cc1',
  'C1CCC2(CC1)OCCO2',
];

let vocabulary: SmilesVocabulary;

beforeAll(async () => {
  await initChem();
  vocabulary = SmilesVocabulary.fromCorpus(KNOWN.map((s) => corpusMolecule(s)!.kekule));
});

describe('the SMILES grammar', () => {
  it('reads the molecules of a reaction line, without atom maps, and writes each in kekulé form', () => {
    expect(moleculesOfLine('[CH3:1][OH:2].[Na+]>>CO 1-2-1.0')).toEqual(['[CH3:1][OH:2]', '[Na+]', 'CO']);
    expect(moleculesOfLine('# a comment')).toEqual([]);
    const pyridine = corpusMolecule('[cH:1]1[cH:2][cH:3][n:4][cH:5][cH:6]1')!;
    expect(pyridine.canonical).toBe('c1ccncc1');
    expect(pyridine.kekule).not.toMatch(/[a-z]/);
    expect(corpusMolecule('CCO.O')).toBeNull();
    expect(corpusMolecule('C1CC')).toBeNull();
  });

  it('allows every known molecule token by token, and writes it back as the same molecule', () => {
    for (const smiles of KNOWN) {
      const molecule = corpusMolecule(smiles)!;
      const ids = vocabulary.encode(molecule.kekule)!;
      const state = new GrammarState(vocabulary);
      for (const id of ids) {
        expect(state.allows(id), `${molecule.kekule}: ${vocabulary.tokens[id]} at ${state.sequence.length}`).toBe(true);
        state.push(id);
      }
      expect(state.allows(END)).toBe(true);
      expect(canonicalOrNull(state.smiles())).toBe(molecule.canonical);
    }
  });

  it('allows the random spellings training reads, each the same molecule written from another atom', () => {
    const spelt = KNOWN.map((smiles) => {
      const molecule = corpusMolecule(smiles)!;
      return { molecule, spellings: Array.from({ length: 8 }, () => randomKekuleSpelling(molecule.canonical)) };
    });
    // random spellings may need ring labels the canonical ones never use: a vocabulary learnt from them
    const wide = SmilesVocabulary.fromCorpus(spelt.flatMap(({ molecule, spellings }) => [molecule.kekule, ...spellings]));
    for (const { molecule, spellings } of spelt) {
      for (const spelling of spellings) {
        expect(spelling.replace(/Br|Cl|\[[^\]]*\]/g, ''), `${spelling} is kekulé`).not.toMatch(/[a-z]/);
        const state = new GrammarState(wide);
        for (const id of wide.encode(spelling)!) {
          expect(state.allows(id), `${spelling}: ${wide.tokens[id]} at ${state.sequence.length}`).toBe(true);
          state.push(id);
        }
        expect(state.allows(END)).toBe(true);
        expect(canonicalOrNull(state.smiles())).toBe(molecule.canonical);
      }
      // a molecule of more than a few atoms has more than one spelling
      if (molecule.heavyAtoms > 6) expect(new Set(spellings).size, molecule.canonical).toBeGreaterThan(1);
    }
  });

  it('learns each atom token\'s capacity from the corpus: carbon 4, a nitro nitrogen 4, fluorine 1', () => {
    const capacities = vocabulary.capacities();
    expect(capacities.get('C')).toBe(4);
    expect(capacities.get('[N+]')).toBe(4);
    expect(capacities.get('[O-]')).toBe(1);
    expect(capacities.get('F')).toBe(1);
  });

  it('refuses what would break a molecule: a bond beyond valence, a ring closed on a neighbour, an end with a ring open', () => {
    const ids = (text: string) => tokenizeSmiles(text).map((t) => vocabulary.tokens.indexOf(t));
    const after = (text: string) => {
      const state = new GrammarState(vocabulary);
      for (const id of ids(text)) state.push(id);
      return state;
    };
    const id = (token: string) => vocabulary.tokens.indexOf(token);
    expect(after('F').allows(id('='))).toBe(false); // fluorine has one bond to give
    expect(after('C=C').allows(id('#'))).toBe(false); // 2 + 3 > 4
    expect(after('C(').allows(id(')'))).toBe(false); // an empty branch
    expect(after('C1C').allows(id('1'))).toBe(false); // closing onto the atom it is bonded to
    expect(after('C1CC').allows(id('1'))).toBe(true);
    expect(after('C1CC').allows(END)).toBe(false); // ring 1 is open
    expect(after('C1CC').allows(id('2'))).toBe(true); // a second ring takes the lowest free label
    expect(after('C1CC').allows(id('F'))).toBe(false); // a terminal atom would leave ring 1 open for good
    expect(after('C1CC(').allows(id('F'))).toBe(true); // inside a branch it may end the branch
    expect(after('CC(C').allows(END)).toBe(false); // a branch is open
  });

  it('ends every random walk it allows in a molecule RDKit sanitises, truncated walks included', () => {
    const rng = rngFor(5, 'grammar-walks');
    let ended = 0;
    let deadEnds = 0;
    for (let walk = 0; walk < 400; walk++) {
      const state = new GrammarState(vocabulary);
      const limit = 10 + Math.floor(rng() * 50);
      for (let step = 0; step < limit && !state.ended; step++) {
        const allowed = vocabulary.tokens.map((_, i) => i).filter((i) => state.allows(i));
        if (allowed.length === 0) {
          deadEnds++; // decoding stops here too; smiles() drops the rings left open
          break;
        }
        state.push(allowed[Math.floor(rng() * allowed.length)]!);
      }
      if (state.ended) ended++;
      const smiles = state.smiles();
      expect(canonicalOrNull(smiles), `random walk ${walk}: ${smiles}`).not.toBeNull();
    }
    expect(ended).toBeGreaterThan(20);
    expect(deadEnds).toBeLessThan(40);
  });
});
