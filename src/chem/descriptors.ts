/**
 * RDKit's 2D descriptors of a molecule (RDKit.js `get_descriptors`: mass, logP, TPSA, counts of
 * donors, acceptors and rings, connectivity and shape indices, …), read by name. A name RDKit does
 * not report, or a value that is not finite, reads as 0.
 */
import { withMolecule } from './parse.js';

export function rdkitDescriptors(smiles: string, names: readonly string[]): number[] {
  return withMolecule(smiles, (mol) => {
    const all = JSON.parse(mol.get_descriptors()) as Record<string, number>;
    return names.map((name) => (Number.isFinite(all[name]) ? all[name]! : 0));
  });
}
