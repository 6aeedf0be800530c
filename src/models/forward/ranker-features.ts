/**
 * What the ranker sees of a candidate outcome: the edit itself (each changed bond with its old and
 * new order, each atom whose hydrogens or charge move) located on the reactant graph, the
 * precedent behind it (how many training reactions its general and specific templates came from),
 * and the product's share of the reactant atoms. Candidates are capped per reaction, most
 * precedented first, which bounds the work per prediction.
 */
import type { ReactionGraph } from '../../chem/reaction/reaction-graph.js';
import { bondKey } from '../../chem/reaction/reaction-graph.js';
import type { Candidate } from './candidates.js';
import type { TemplateSet } from './template-set.js';

export const BOND_ORDER_SLOTS = [0, 1, 1.5, 2, 3] as const;
export const HYDROGEN_DELTAS = [-3, -2, -1, 0, 1, 2, 3] as const;
export const CHARGE_DELTAS = [-2, -1, 0, 1, 2] as const;
export const NUMERIC_FEATURES = 9;

export interface CandidateFeatures {
  /** [atomU, atomV, oldOrderSlot, newOrderSlot] per changed bond */
  bonds: [number, number, number, number][];
  /** [atom, hydrogenDeltaSlot, chargeDeltaSlot] per changed atom */
  atoms: [number, number, number][];
  numeric: number[];
  /** embedding row of the general template (0 = rare templates share one row) */
  templateSlot: number;
}

/** Template counts with one reaction's own contribution removed (leave-one-out), for training. */
export interface Precedent {
  general(index: number): number;
  specific(index: number): number;
}

export function setPrecedent(set: TemplateSet, own?: { general: number; specific: number }): Precedent {
  return {
    general: (index) => set.general[index]!.count - (own?.general === index ? 1 : 0),
    specific: (index) => set.specific[index]!.count - (own?.specific === index ? 1 : 0),
  };
}

/**
 * The candidates worth ranking, most precedented first: those whose templates still have
 * precedent (a reaction's own singleton template does not count for itself), at most `cap`.
 */
export function selectCandidates(candidates: readonly Candidate[], precedent: Precedent, cap: number): Candidate[] {
  const scored = candidates
    .filter((c) => precedent.general(c.general) > 0)
    .map((c) => ({ c, specific: c.specific.reduce((s, i) => s + Math.max(0, precedent.specific(i)), 0), general: precedent.general(c.general) }));
  scored.sort((x, y) => y.specific - x.specific || y.general - x.general);
  return scored.slice(0, cap).map(({ c }) => c);
}

/** What every candidate of one reaction is described against: its graph, bonds and molecules. */
export interface ReactantContext {
  graph: ReactionGraph;
  /** order of each reactant bond, by bondKey */
  orders: ReadonlyMap<string, number>;
  /** molecule (connected component) of each atom */
  molecule: Int32Array;
}

export function reactantContext(graph: ReactionGraph): ReactantContext {
  return { graph, orders: new Map(graph.bonds.map((b) => [bondKey(b.a, b.b), b.order as number])), molecule: moleculeOfAtoms(graph) };
}

export function candidateFeatures(
  { graph, orders, molecule }: ReactantContext,
  candidate: Candidate,
  precedent: Precedent,
  templateSlots: ReadonlyMap<number, number>,
): CandidateFeatures {
  const bonds = candidate.edit.bonds.map((b): [number, number, number, number] => [
    b.a,
    b.b,
    slotOf(BOND_ORDER_SLOTS, orders.get(bondKey(b.a, b.b)) ?? 0),
    slotOf(BOND_ORDER_SLOTS, b.order),
  ]);
  const atoms = candidate.edit.atoms.map((a): [number, number, number] => {
    const atom = graph.atoms[a.atom]!;
    return [a.atom, slotOf(HYDROGEN_DELTAS, clamp(a.hydrogens - atom.hydrogens, -3, 3)), slotOf(CHARGE_DELTAS, clamp(a.charge - atom.charge, -2, 2))];
  });
  const specificCounts = candidate.specific.map((i) => Math.max(0, precedent.specific(i)));
  const merged = new Set(candidate.productAtoms.map((a) => molecule[a]!)).size;
  return {
    bonds,
    atoms,
    numeric: [
      Math.log1p(precedent.general(candidate.general)) / 5,
      Math.log1p(specificCounts.reduce((s, n) => s + n, 0)) / 5,
      Math.log1p(Math.max(0, ...specificCounts)) / 5,
      specificCounts.some((n) => n > 0) ? 1 : 0,
      bonds.length / 4,
      atoms.length / 4,
      candidate.productAtoms.length / graph.atoms.length,
      Math.log(candidate.productAtoms.length) / 4,
      merged / 3,
    ],
    templateSlot: templateSlots.get(candidate.general) ?? 0,
  };
}

/** Which molecule (connected component) of the reactants each atom belongs to. */
function moleculeOfAtoms(graph: ReactionGraph): Int32Array {
  const parent = Int32Array.from(graph.atoms, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  for (const b of graph.bonds) parent[find(b.a)] = find(b.b);
  return Int32Array.from(graph.atoms, (_, i) => find(i));
}

/** Embedding rows for general templates with at least `minCount` precedents (row 0 = all others). */
export function templateSlotsFor(set: TemplateSet, minCount: number): Map<number, number> {
  const slots = new Map<number, number>();
  set.general.forEach((t, index) => {
    if (t.count >= minCount) slots.set(index, slots.size + 1);
  });
  return slots;
}

function slotOf(values: readonly number[], value: number): number {
  const slot = values.indexOf(value);
  if (slot < 0) throw new Error(`value ${value} outside ${values.join(',')}`);
  return slot;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
