/**
 * Candidate outcomes of a set of reactants: every (general template, site) that gives a valid,
 * sanitised product, annotated with the specific templates that make the same change at the same
 * site. One RDKit molecule is parsed per reaction and shared by all template searches.
 */
import type { GraphEdit } from '../../chem/reaction/edit.js';
import type { ReactionGraph } from '../../chem/reaction/reaction-graph.js';
import { reactantSite, TemplateLibrary } from '../../chem/reaction/templates.js';
import type { RDKitMol } from '../../chem/rdkit.js';
import type { TemplateSet } from './template-set.js';

export interface Candidate {
  /** canonical SMILES of the product */
  product: string;
  /** reactant atoms that make up the product */
  productAtoms: number[];
  edit: GraphEdit;
  /** index of the general template that proposed it */
  general: number;
  /** indices of the specific templates that make the same change at the same site */
  specific: number[];
}

const MIN_PRODUCT_ATOMS = 2;

export class CandidateGenerator {
  private readonly general: TemplateLibrary;
  private readonly specific: TemplateLibrary;

  constructor(set: TemplateSet) {
    this.general = new TemplateLibrary(set.general.map((t) => t.template));
    this.specific = new TemplateLibrary(set.specific.map((t) => t.template));
  }

  generate(graph: ReactionGraph, mol: RDKitMol): Candidate[] {
    const site = reactantSite(graph);
    const specificByEdit = new Map<string, number[]>();
    for (const outcome of this.specific.apply(graph, mol, { products: false, site })) {
      const key = editKey(outcome.edit);
      const list = specificByEdit.get(key);
      if (list) list.push(outcome.template);
      else specificByEdit.set(key, [outcome.template]);
    }
    const seen = new Set<string>();
    const candidates: Candidate[] = [];
    for (const outcome of this.general.apply(graph, mol, { site })) {
      // a lone atom or ion (the chloride an acylation releases) is never the major product
      if (outcome.productAtoms.length < MIN_PRODUCT_ATOMS) continue;
      const key = editKey(outcome.edit);
      // two general templates can spell the same change (e.g. from symmetric sites); keep one
      if (seen.has(key)) continue;
      seen.add(key);
      candidates.push({
        product: outcome.product,
        productAtoms: outcome.productAtoms,
        edit: outcome.edit,
        general: outcome.template,
        specific: specificByEdit.get(key) ?? [],
      });
    }
    return candidates;
  }

  dispose(): void {
    this.general.dispose();
    this.specific.dispose();
  }
}

/** The change an edit makes, independent of which template proposed it. */
export function editKey(edit: GraphEdit): string {
  const bonds = edit.bonds
    .map((b) => (b.a < b.b ? `${b.a}-${b.b}:${b.order}` : `${b.b}-${b.a}:${b.order}`))
    .sort()
    .join(',');
  const atoms = edit.atoms
    .map((a) => `${a.atom}:${a.hydrogens}:${a.charge}`)
    .sort()
    .join(',');
  return `${bonds}|${atoms}`;
}
