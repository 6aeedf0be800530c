/**
 * Turns a recorded reaction (bond edits named by atom-map number, which atoms lose or gain
 * hydrogens, and the unmapped product) into a complete GraphEdit on the reactant graph: the
 * recorded edits do not say how many hydrogens move nor how charges change, so the plausible
 * combinations are tried, most plausible first, until the edited reactants give the recorded
 * product. The result is the training signal for templates and the ranker.
 */
import { canonicalOrNull } from '../../chem/smiles.js';
import { applyEdit, bondOrderSums, moleculesOf, type AtomChange, type BondChange, type GraphEdit } from '../../chem/reaction/edit.js';
import { bondKey, type BondOrder, type ReactionGraph } from '../../chem/reaction/reaction-graph.js';
import type { RecordedReaction } from './recorded-reaction.js';

export interface ResolvedEdit {
  edit: GraphEdit;
  /** the reactant-graph atoms that end up in the recorded product */
  productAtoms: number[];
  product: string;
}

export type Resolution = { ok: true; resolved: ResolvedEdit } | { ok: false; reason: string };

const MAX_COMBINATIONS = 256;

export function resolveRecordedEdit(graph: ReactionGraph, recorded: RecordedReaction): Resolution {
  const product = canonicalOrNull(recorded.product);
  if (!product) return { ok: false, reason: 'recorded product does not parse' };
  const indexOfMap = new Map<number, number>();
  graph.atoms.forEach((atom, index) => {
    if (atom.mapNumber > 0) indexOfMap.set(atom.mapNumber, index);
  });
  const indexOf = (map: number): number => {
    const index = indexOfMap.get(map);
    if (index === undefined) throw new Error(`map number ${map} not in the reactants`);
    return index;
  };

  let bondChanges: BondChange[];
  try {
    const formed = new Map<string, BondChange>();
    for (const bond of recorded.formed) {
      const change = { a: indexOf(bond.a), b: indexOf(bond.b), order: toBondOrder(bond.order) };
      formed.set(bondKey(change.a, change.b), change);
    }
    bondChanges = [...formed.values()];
    for (const bond of recorded.broken) {
      const a = indexOf(bond.a);
      const b = indexOf(bond.b);
      if (!formed.has(bondKey(a, b))) bondChanges.push({ a, b, order: 0 });
    }
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }

  const lost = new Set(recorded.hydrogensLost.map((m) => indexOfMap.get(m) ?? -1));
  const gained = new Set(recorded.hydrogensGained.map((m) => indexOfMap.get(m) ?? -1));
  const centre = new Set<number>([...lost, ...gained].filter((i) => i >= 0));
  for (const change of bondChanges) centre.add(change.a).add(change.b);

  const before = bondOrderSums(graph);
  const bonded = applyEdit(graph, { bonds: bondChanges, atoms: [] });
  const after = bondOrderSums(bonded);
  const centreAtoms = [...centre].sort((x, y) => x - y);
  const options = centreAtoms.map((atom) => atomOptions(graph, atom, before[atom]!, after[atom]!, lost.has(atom), gained.has(atom)));

  for (const combination of combinationsByPenalty(options, MAX_COMBINATIONS)) {
    const atomChanges: AtomChange[] = combination.map((option, i) => ({ atom: centreAtoms[i]!, hydrogens: option.hydrogens, charge: option.charge }));
    const edit: GraphEdit = { bonds: bondChanges, atoms: atomChanges };
    const edited = applyEdit(graph, edit);
    const molecules = moleculesOf(edited, (atoms) => atoms.some((a) => centre.has(a)));
    const match = molecules.find((m) => m.smiles === product);
    if (match) return { ok: true, resolved: { edit: minimalEdit(graph, edit), productAtoms: match.atoms, product } };
  }
  return { ok: false, reason: 'no hydrogen/charge assignment reproduces the recorded product' };
}

interface AtomOption {
  hydrogens: number;
  charge: number;
  penalty: number;
}

function atomOptions(graph: ReactionGraph, atom: number, before: number, after: number, losesH: boolean, gainsH: boolean): AtomOption[] {
  const { hydrogens, charge } = graph.atoms[atom]!;
  // Valence bookkeeping: what the bonds gained, the hydrogens (or the charge) give up.
  const estimate = hydrogens - (after - before);
  const hydrogenChoices = new Set<number>();
  for (const h of [Math.round(estimate), Math.floor(estimate), Math.ceil(estimate), hydrogens - 1, hydrogens + 1, hydrogens - 2, hydrogens + 2, hydrogens + 3, hydrogens]) {
    if (h < 0) continue;
    if (losesH && h >= hydrogens) continue;
    if (gainsH && h <= hydrogens) continue;
    if (!losesH && !gainsH && h !== hydrogens) continue;
    hydrogenChoices.add(h);
  }
  const options: AtomOption[] = [];
  for (const h of hydrogenChoices) {
    for (const c of new Set([charge, 0, charge + 1, charge - 1])) {
      options.push({ hydrogens: h, charge: c, penalty: Math.abs(h - estimate) + (c === charge ? 0 : 1 + Math.abs(c)) });
    }
  }
  return options.sort((x, y) => x.penalty - y.penalty);
}

/** Combinations of per-atom options in order of increasing total penalty (best-first search). */
function* combinationsByPenalty(options: AtomOption[][], limit: number): Generator<AtomOption[]> {
  if (options.some((o) => o.length === 0)) return;
  const start = options.map(() => 0);
  const cost = (indices: number[]) => indices.reduce((sum, k, i) => sum + options[i]![k]!.penalty, 0);
  const frontier: { indices: number[]; cost: number }[] = [{ indices: start, cost: cost(start) }];
  const seen = new Set([start.join(',')]);
  let yielded = 0;
  while (frontier.length > 0 && yielded < limit) {
    frontier.sort((x, y) => x.cost - y.cost);
    const { indices } = frontier.shift()!;
    yield indices.map((k, i) => options[i]![k]!);
    yielded++;
    for (let i = 0; i < indices.length; i++) {
      if (indices[i]! + 1 >= options[i]!.length) continue;
      const next = indices.slice();
      next[i]!++;
      const key = next.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      frontier.push({ indices: next, cost: cost(next) });
    }
  }
}

/** Drops atom changes that change nothing, so templates record only real changes. */
function minimalEdit(graph: ReactionGraph, edit: GraphEdit): GraphEdit {
  return {
    bonds: edit.bonds,
    atoms: edit.atoms.filter((change) => {
      const atom = graph.atoms[change.atom]!;
      return atom.hydrogens !== change.hydrogens || atom.charge !== change.charge;
    }),
  };
}

function toBondOrder(order: number): BondOrder | 0 {
  if (order === 0 || order === 1 || order === 1.5 || order === 2 || order === 3) return order;
  throw new Error(`unsupported bond order ${order}`);
}
