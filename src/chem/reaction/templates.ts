/**
 * Reaction templates in the sense of Coley et al. (ACS Cent. Sci. 2017): the reaction centre (every
 * atom whose bonds, hydrogens or charge change) plus its first neighbours, written as a SMARTS
 * pattern, together with the graph edit to apply wherever the pattern matches. Templates are
 * extracted from atom-mapped training reactions and applied to new reactants with RDKit's
 * substructure search; the edit is applied by our own graph editor (edit.ts), because RDKit.js's
 * reaction runner needs product templates with hydrogens spelled out that mapped data rarely gives.
 */
import type { RDKitMol } from '../rdkit.js';
import { useRdkit } from '../runtime.js';
import { applyEdit, moleculeContaining, type GraphEdit } from './edit.js';
import { writeComponents } from './line-notation.js';
import { bondKey, neighbourLists, type BondOrder, type ReactionGraph } from './reaction-graph.js';
import { BOND_SYMBOL, chargeText } from './write-smiles.js';

export interface TemplateBondChange {
  a: number;
  b: number;
  order: BondOrder | 0;
}

export interface TemplateAtomChange {
  atom: number;
  /** change in total hydrogens */
  hydrogens: number;
  /** change in formal charge */
  charge: number;
}

export interface ReactionTemplate {
  /** reactant-side pattern; RDKit numbers its query atoms 0..n-1 in this order, which indexes everything below */
  smarts: string;
  /** pattern atoms that belong to the reaction centre */
  centre: number[];
  bonds: TemplateBondChange[];
  atoms: TemplateAtomChange[];
  /** a centre atom that ends up in the product: the product is the molecule that contains it */
  anchor: number;
}

export interface TemplateSource {
  graph: ReactionGraph;
  edit: GraphEdit;
  /** reactant atoms that make up the recorded product */
  productAtoms: readonly number[];
}

/** The template of one resolved reaction; `radius` = how many bonds of unchanged context to keep around the centre. */
export function extractTemplate(source: TemplateSource, radius = 1): ReactionTemplate {
  const { graph, edit } = source;
  const neighbours = neighbourLists(graph);
  const centreSet = new Set<number>();
  for (const change of edit.bonds) centreSet.add(change.a).add(change.b);
  for (const change of edit.atoms) centreSet.add(change.atom);
  if (centreSet.size === 0) throw new Error('the reaction changes nothing');

  const pattern = new Set(centreSet);
  let shell = [...centreSet];
  for (let step = 0; step < radius; step++) {
    const next: number[] = [];
    for (const atom of shell) {
      for (const { atom: other } of neighbours[atom]!) {
        if (!pattern.has(other)) {
          pattern.add(other);
          next.push(other);
        }
      }
    }
    shell = next;
  }

  const atomChange = new Map(edit.atoms.map((c) => [c.atom, c]));
  const primitive = (atom: number): string => atomPrimitive(graph, atom, neighbours[atom]!.length, centreSet.has(atom));
  // Canonical ranks so that the same template from different reactions is spelled the same way.
  const bondEdges = edit.bonds.map((c) => ({ a: c.a, b: c.b, label: `e${c.order}` }));
  const rank = canonicalRanks([...pattern], (atom) => {
    const change = atomChange.get(atom);
    const delta = change ? `${change.hydrogens - graph.atoms[atom]!.hydrogens}/${change.charge - graph.atoms[atom]!.charge}` : '';
    return `${primitive(atom)}|${centreSet.has(atom) ? 'c' : 'n'}${delta}`;
  }, (atom) => [
    ...neighbours[atom]!.filter((n) => pattern.has(n.atom)).map((n) => ({ atom: n.atom, label: String(n.order) })),
    ...bondEdges.filter((e) => e.a === atom || e.b === atom).map((e) => ({ atom: e.a === atom ? e.b : e.a, label: e.label })),
  ]);

  const components = writeComponents(
    { atomCount: graph.atoms.length, neighbours },
    { atom: primitive, bond: (order) => BOND_SYMBOL[order], rank: (atom) => rank.get(atom)! },
    (atom) => pattern.has(atom),
  );
  const queryOrder = components.flatMap((c) => c.atoms);
  const queryIndex = new Map(queryOrder.map((atom, index) => [atom, index]));
  const q = (atom: number) => queryIndex.get(atom)!;

  const centre = [...centreSet].map(q).sort((x, y) => x - y);
  const productAtoms = new Set(source.productAtoms);
  const anchorCandidates = [...centreSet].filter((atom) => productAtoms.has(atom)).map(q).sort((x, y) => x - y);
  if (anchorCandidates.length === 0) throw new Error('the reaction centre does not reach the product');
  return {
    smarts: components.map((c) => c.text).join('.'),
    centre,
    bonds: edit.bonds
      .map((c) => ({ a: Math.min(q(c.a), q(c.b)), b: Math.max(q(c.a), q(c.b)), order: c.order }))
      .sort((x, y) => x.a - y.a || x.b - y.b),
    atoms: edit.atoms
      .map((c) => ({ atom: q(c.atom), hydrogens: c.hydrogens - graph.atoms[c.atom]!.hydrogens, charge: c.charge - graph.atoms[c.atom]!.charge }))
      .sort((x, y) => x.atom - y.atom),
    anchor: anchorCandidates[0]!,
  };
}

/** Identity of a template: equal keys apply the same change to the same pattern. */
export function templateKey(template: ReactionTemplate): string {
  const bonds = template.bonds.map((b) => `${b.a}-${b.b}:${b.order}`).join(',');
  const atoms = template.atoms.map((a) => `${a.atom}:${a.hydrogens}:${a.charge}`).join(',');
  return `${template.smarts}>>${bonds}|${atoms}|${template.anchor}`;
}

/**
 * Centre atoms are pinned down (element, aromaticity, hydrogens, heavy degree, charge) so the
 * edit's valence bookkeeping holds wherever the pattern matches; context atoms only by element and
 * aromaticity, so the template generalises.
 */
export function atomPrimitive(graph: ReactionGraph, atom: number, degree: number, specific: boolean): string {
  const a = graph.atoms[atom]!;
  const aromatic = a.aromatic ? 'a' : 'A';
  if (!specific) return `[#${a.atomicNumber};${aromatic}]`;
  return `[#${a.atomicNumber};${aromatic};H${a.hydrogens};D${degree};${a.charge === 0 ? '+0' : chargeText(a.charge)}]`;
}

/** Weisfeiler–Lehman refinement of atom labels; ties broken by atom index. */
function canonicalRanks(atoms: number[], label: (atom: number) => string, edges: (atom: number) => { atom: number; label: string }[]): Map<number, number> {
  let labels = new Map(atoms.map((atom) => [atom, label(atom)]));
  for (let round = 0; round < 4; round++) {
    const refined = new Map(
      atoms.map((atom) => {
        const around = edges(atom)
          .map((e) => `${e.label}>${labels.get(e.atom)}`)
          .sort()
          .join(',');
        return [atom, `${labels.get(atom)}(${around})`];
      }),
    );
    // compress to small labels so strings do not grow exponentially
    const distinct = [...new Set(refined.values())].sort();
    const code = new Map(distinct.map((text, index) => [text, `${index}`]));
    const compressed = new Map(atoms.map((atom) => [atom, `${label(atom)}#${code.get(refined.get(atom)!)}`]));
    labels = compressed;
  }
  const ordered = [...atoms].sort((x, y) => (labels.get(x)! < labels.get(y)! ? -1 : labels.get(x)! > labels.get(y)! ? 1 : x - y));
  return new Map(ordered.map((atom, index) => [atom, index]));
}

/** What template matching reads off the reactants; computed once when several libraries are applied. */
export interface ReactantSite {
  /** the centre-atom primitives present, for the cheap pre-filter */
  present: ReadonlySet<string>;
  bonds: ReadonlyMap<string, BondOrder>;
}

export function reactantSite(graph: ReactionGraph): ReactantSite {
  const neighbours = neighbourLists(graph);
  return {
    present: new Set(graph.atoms.map((_, atom) => atomPrimitive(graph, atom, neighbours[atom]!.length, true))),
    bonds: new Map(graph.bonds.map((b) => [bondKey(b.a, b.b), b.order])),
  };
}

export interface TemplateOutcome {
  template: number;
  /** reactant atoms matched by the template's centre, in template order */
  centreAtoms: number[];
  edit: GraphEdit;
  /** canonical SMILES of the product ('' when products were not asked for) */
  product: string;
  productAtoms: number[];
}

/**
 * Templates compiled for matching. Holds RDKit query molecules in wasm memory: call dispose().
 * A cheap filter skips templates whose centre atoms cannot all be present in the reactants.
 */
export class TemplateLibrary {
  private readonly queries: (RDKitMol | null)[];
  private readonly centreKeys: string[][];

  constructor(readonly templates: readonly ReactionTemplate[]) {
    this.queries = useRdkit((rdkit) => templates.map((t) => rdkit.get_qmol(t.smarts)));
    this.centreKeys = templates.map((t) => [...new Set(t.centre.map((q) => centrePrimitiveOfQuery(t.smarts, q)))]);
  }

  /** Every distinct product the templates give for these reactants, one outcome per (template, site). */
  apply(graph: ReactionGraph, mol: RDKitMol, options: { maxMatchesPerTemplate?: number; products?: boolean; site?: ReactantSite } = {}): TemplateOutcome[] {
    // writing and canonicalising the product is most of the cost; callers that only need the edits skip it
    const withProducts = options.products ?? true;
    const { present, bonds } = options.site ?? reactantSite(graph);
    const outcomes: TemplateOutcome[] = [];
    const details = JSON.stringify({ maxMatches: options.maxMatchesPerTemplate ?? 200 });
    this.templates.forEach((template, index) => {
      if (!this.centreKeys[index]!.every((key) => present.has(key))) return;
      const query = this.queries[index];
      if (!query) return;
      const matches = parseMatches(mol.get_substruct_matches(query, details));
      const seenSites = new Set<string>();
      for (const match of matches) {
        const centreAtoms = template.centre.map((q) => match[q]!);
        const site = `${[...centreAtoms].sort((x, y) => x - y).join(',')}`;
        const edit = editAt(template, match, graph, bonds);
        if (!edit) continue;
        const key = `${site}|${JSON.stringify(edit.bonds)}`;
        if (seenSites.has(key)) continue;
        seenSites.add(key);
        if (!withProducts) {
          outcomes.push({ template: index, centreAtoms, edit, product: '', productAtoms: [] });
          continue;
        }
        const anchor = match[template.anchor]!;
        const molecule = moleculeContaining(applyEdit(graph, edit), anchor);
        if (!molecule.smiles) continue;
        outcomes.push({ template: index, centreAtoms, edit, product: molecule.smiles, productAtoms: molecule.atoms });
      }
    });
    return outcomes;
  }

  dispose(): void {
    for (const query of this.queries) query?.delete();
  }
}

function editAt(template: ReactionTemplate, match: number[], graph: ReactionGraph, bonds: ReadonlyMap<string, BondOrder>): GraphEdit | null {
  const atoms = [];
  for (const change of template.atoms) {
    const atom = match[change.atom]!;
    const hydrogens = graph.atoms[atom]!.hydrogens + change.hydrogens;
    if (hydrogens < 0) return null;
    atoms.push({ atom, hydrogens, charge: graph.atoms[atom]!.charge + change.charge });
  }
  const bondChanges = template.bonds.map((c) => ({ a: match[c.a]!, b: match[c.b]!, order: c.order }));
  // a template that forms a bond must not land on atoms already bonded differently than it expects
  for (const change of bondChanges) {
    if (change.order !== 0 && bonds.get(bondKey(change.a, change.b)) === change.order) return null;
  }
  return { bonds: bondChanges, atoms };
}

function parseMatches(json: string): number[][] {
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed)) return [];
  return parsed.map((m: { atoms: number[] }) => m.atoms);
}

const QUERY_ATOM = /\[[^\]]*\]/g;

/** The primitive of query atom `q` as written in the SMARTS (centre atoms are fully specified). */
function centrePrimitiveOfQuery(smarts: string, q: number): string {
  return [...smarts.matchAll(QUERY_ATOM)][q]![0];
}
