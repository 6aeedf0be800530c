/** What a suggestion for a role may be, judged with real RDKit substructure queries. */
import { beforeAll, describe, expect, it } from 'vitest';
import { initChem } from '../../src/chem/index.js';
import { RoleStructure } from '../../src/generative/structure-checks.js';

let arylHalides: RoleStructure;

beforeAll(async () => {
  await initChem();
  arylHalides = new RoleStructure(['FC(F)(F)c1ccc(Br)cc1', 'CCc1ccc(I)cc1', 'Brc1ccccn1', 'COc1ccc(Cl)cc1']);
});

describe('a role\'s structure', () => {
  it('lets through molecules like the role\'s own', () => {
    for (const smiles of ['Brc1ccncc1', 'Clc1ccc2ccccc2c1', 'N#Cc1ccc(I)cc1', 'Brc1cccnc1-c1ccccn1']) expect(arylHalides.objection(smiles), smiles).toBeNull();
  });

  it('keeps the group every substance of the role has', () => {
    expect(arylHalides.objection('Cc1ccccn1')).toBe('lacks the group every substance of the role has (aryl halide)');
  });

  it('sets aside reactive groups the role lacks, more of a group than it has, strained rings and charges', () => {
    expect(arylHalides.objection('O=Cc1ccc(Br)cc1')).toContain('aldehyde');
    expect(arylHalides.objection('Brc1ccc(Br)cc1')).toBe("has 2 × aryl halide, the role's substances at most 1");
    expect(arylHalides.objection('BrC=Cc1ccc(Br)cc1')).toContain('alkenyl or alkynyl halide');
    expect(arylHalides.objection('Brc1ccc(C2CC2)cc1')).toBe('has a strained 3- or 4-membered ring');
    expect(arylHalides.objection('C[N+](C)(C)c1ccc(Br)cc1')).toBe('has a charged atom');
    expect(arylHalides.objection('OC(=O)c1ccc(Br)cc1')).toContain('carboxylic acid');
  });

  it('allows a reactive group when asked', () => {
    const withAldehydes = new RoleStructure(['Brc1ccccn1'], ['aldehyde']);
    expect(withAldehydes.objection('O=Cc1ccc(Br)cc1')).toBeNull();
  });
});
