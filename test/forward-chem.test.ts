// Reaction graphs, graph edits and templates: the chemistry under forward prediction, against real RDKit.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalSmiles, initChem, SmilesError } from '../src/chem/index.js';
import { withMolecule } from '../src/chem/parse.js';
import { applyEdit, moleculeContaining } from '../src/chem/reaction/edit.js';
import { atomMapNumbers, readReactionGraph } from '../src/chem/reaction/reaction-graph.js';
import { extractTemplate, TemplateLibrary, templateKey } from '../src/chem/reaction/templates.js';
import { componentSmiles } from '../src/chem/reaction/write-smiles.js';
import { parseRecordedReaction, parseRecordedReactions, RecordedReactionError } from '../src/models/forward/recorded-reaction.js';
import { resolveRecordedEdit } from '../src/models/forward/resolve-edit.js';

const sample = parseRecordedReactions(readFileSync(new URL('./fixtures/uspto15k-sample.txt', import.meta.url), 'utf8'));

beforeAll(async () => {
  await initChem();
});

describe('reaction graphs', () => {
  it.each([
    'c1ccccc1',
    'c1cc[nH]c1',
    'O=[N+]([O-])c1ccc(Cl)cc1',
    'C1CC2(CCN2)C1',
    'CC(C)(C)OC(=O)N1CCC(C#N)CC1',
    '[Na+].[O-]C(=O)c1ccccc1',
    'Cn1cnc2c1c(=O)n(C)c(=O)n2C',
    'C1=CC=CC=C1C1=CC=CC=C1',
  ])('writes %s back as the same molecule', (smiles) => {
    const graph = readReactionGraph(smiles);
    const written = componentSmiles(graph).map((c) => canonicalSmiles(c.smiles));
    expect(written.sort()).toEqual(canonicalSmiles(smiles).split('.').sort());
  });

  it('keeps atom-map numbers in RDKit atom order', () => {
    expect(atomMapNumbers('[CH3:4][C:2](=O)[OH:9].Cl')).toEqual([4, 2, 0, 9, 0]);
    const graph = readReactionGraph('[CH3:4][C:2](=O)[OH:9]');
    expect(graph.atoms.map((a) => a.mapNumber)).toEqual([4, 2, 0, 9]);
    expect(graph.atoms[3]!.hydrogens).toBe(1);
  });

  it('refuses text that is not SMILES, saying so', () => {
    expect(() => readReactionGraph('C1CC')).toThrow(SmilesError);
    expect(() => readReactionGraph('')).toThrow(/empty/);
  });

  it('applies an edit: esterification of acetic acid with ethanol', () => {
    // atoms: 0 C, 1 C(=O), 2 =O, 3 OH | 4 O(H), 5 C, 6 C
    const graph = readReactionGraph('CC(=O)O.OCC');
    const edited = applyEdit(graph, {
      bonds: [
        { a: 1, b: 3, order: 0 },
        { a: 1, b: 4, order: 1 },
      ],
      atoms: [
        { atom: 3, hydrogens: 2, charge: 0 },
        { atom: 4, hydrogens: 0, charge: 0 },
      ],
    });
    expect(moleculeContaining(edited, 1).smiles).toBe(canonicalSmiles('CCOC(C)=O'));
    expect(moleculeContaining(edited, 3).smiles).toBe('O');
  });

  it('reports an edited molecule RDKit cannot sanitise as null, never as a product', () => {
    const graph = readReactionGraph('CC');
    const edited = applyEdit(graph, { bonds: [{ a: 0, b: 1, order: 2 }], atoms: [] }); // CH3=CH3: pentavalent carbons
    expect(moleculeContaining(edited, 0).smiles).toBeNull();
  });
});

describe('recorded reactions', () => {
  it('parses the edit fields', () => {
    const r = parseRecordedReaction('[CH3:1][Br:2].[OH2:3]>>CO 3;;1-2-1.0;1-3-1.0');
    expect(r.hydrogensLost).toEqual([3]);
    expect(r.broken).toEqual([{ a: 1, b: 2, order: 1 }]);
    expect(r.formed).toEqual([{ a: 1, b: 3, order: 1 }]);
    expect(() => parseRecordedReaction('CC>>CC 1;2', 7)).toThrow(RecordedReactionError);
    expect(() => parseRecordedReaction('CC>>CC 1;2', 7)).toThrow(/line 7/);
  });

  it('resolves hydrogens and charges so that the edit gives the recorded product', () => {
    let resolved = 0;
    for (const reaction of sample) {
      const result = resolveRecordedEdit(readReactionGraph(reaction.reactants), reaction);
      if (!result.ok) continue;
      resolved++;
      expect(result.resolved.product).toBe(canonicalSmiles(reaction.product));
    }
    // the resolver fails on < 1 % of USPTO-15K; the sample has no such reaction
    expect(resolved).toBe(sample.length);
  });
});

describe('templates', () => {
  const extracted = () =>
    sample.map((reaction) => {
      const graph = readReactionGraph(reaction.reactants);
      const result = resolveRecordedEdit(graph, reaction);
      if (!result.ok) throw new Error(result.reason);
      const source = { graph, edit: result.resolved.edit, productAtoms: result.resolved.productAtoms };
      return { reaction, graph, general: extractTemplate(source, 0), specific: extractTemplate(source, 1) };
    });

  it('a reaction’s own template, applied to its reactants, gives its recorded product', () => {
    const all = extracted();
    const library = new TemplateLibrary(all.map((e) => e.specific));
    try {
      all.forEach((entry, index) => {
        const outcomes = withMolecule(entry.reaction.reactants, (mol) => library.apply(entry.graph, mol)).filter((o) => o.template === index);
        expect(outcomes.map((o) => o.product)).toContain(canonicalSmiles(entry.reaction.product));
      });
    } finally {
      library.dispose();
    }
  });

  it('spells the same change the same way whichever reaction it came from', () => {
    const all = extracted();
    // Williamson-type O-alkylations and N-acylations recur in patents: keys must collapse them
    const keys = new Set(all.map((e) => templateKey(e.general)));
    expect(keys.size).toBeLessThan(all.length);
  });

  it('every product a template library proposes sanitises', () => {
    const all = extracted();
    const library = new TemplateLibrary(all.map((e) => e.general));
    try {
      for (const entry of all.slice(0, 10)) {
        for (const outcome of withMolecule(entry.reaction.reactants, (mol) => library.apply(entry.graph, mol))) {
          expect(canonicalSmiles(outcome.product)).toBe(outcome.product);
        }
      }
    } finally {
      library.dispose();
    }
  });
});
