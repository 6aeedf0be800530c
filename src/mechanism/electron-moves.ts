/**
 * Pushing electrons: an elementary step (a few curved arrows) applied to the current species, a
 * Kekulé graph of atom-mapped molecules. Each arrow moves one electron pair and changes only bond
 * orders and formal charges, so atoms and total charge are conserved by construction; the result
 * is checked anyway (element counts with hydrogens, total charge), and refused when it breaks a
 * hard rule: a bond order outside 0–3, a hydrogen bonded to two atoms, a valence RDKit rejects.
 *
 * Charge bookkeeping per arrow (MechFinder's convention, arrows.ts):
 *   lone pair of n → …          n +1
 *   bond [a,b] → …              order(a,b) −1, a +1; the pair stays with b
 *   … → atom m                  a new bond (holder of the pair)–m, m −1; if m holds the pair
 *                               already (bond [a,m] → m), m −1 only: a lone pair on m
 *   … → bond [c,d]              order(c,d) +1, d −1
 * Hydrogens live as counts on their heavy atom; an arrow naming n.1 makes one of n's hydrogens an
 * explicit atom for the step, and hydrogens left with one single bond are folded back after it.
 */
import { canonicalOrNull } from '../chem/index.js';
import { bondKey, neighbourLists, type BondOrder, type GraphAtom, type ReactionGraph } from '../chem/reaction/reaction-graph.js';
import { writeComponents } from '../chem/reaction/line-notation.js';
import { BOND_SYMBOL, chargeText } from '../chem/reaction/write-smiles.js';
import type { Arrow, AtomRef } from './arrows.js';

/** The arrows cannot be applied, or their result breaks a hard chemical rule. */
export class ElectronMoveError extends Error {}

/**
 * Species in one Kekulé form, with the bonds that are aromatic: an aromatic ring has several
 * Kekulé forms and an arrow may need another one than RDKit chose (a π pair where RDKit put a
 * single bond), so arrows on aromatic bonds may shift the ring's double bonds first.
 */
export interface Species extends ReactionGraph {
  /** bondKey of every aromatic bond not yet touched by an arrow */
  aromatic: ReadonlySet<string>;
}

interface Working {
  atoms: GraphAtom[];
  /** bondKey → order; absent = no bond */
  orders: Map<string, number>;
  aromatic: Set<string>;
}

function indexByMap(graph: ReactionGraph): Map<number, number> {
  const byMap = new Map<number, number>();
  graph.atoms.forEach((atom, i) => {
    if (atom.mapNumber === 0) return;
    if (byMap.has(atom.mapNumber)) throw new ElectronMoveError(`atom map ${atom.mapNumber} is used twice`);
    byMap.set(atom.mapNumber, i);
  });
  return byMap;
}

/** Element symbol → count, hydrogens included (explicit or as counts), and the total charge. */
export function composition(graph: ReactionGraph): { elements: Map<string, number>; charge: number } {
  const elements = new Map<string, number>();
  let charge = 0;
  for (const atom of graph.atoms) {
    elements.set(atom.symbol, (elements.get(atom.symbol) ?? 0) + 1);
    if (atom.hydrogens > 0) elements.set('H', (elements.get('H') ?? 0) + atom.hydrogens);
    charge += atom.charge;
  }
  return { elements, charge };
}

function sameComposition(a: ReturnType<typeof composition>, b: ReturnType<typeof composition>): boolean {
  if (a.charge !== b.charge || a.elements.size !== b.elements.size) return false;
  for (const [symbol, n] of a.elements) if (b.elements.get(symbol) !== n) return false;
  return true;
}

/** Applies one step's arrows in order; throws ElectronMoveError when they cannot apply or break a rule. */
export function applyArrows(graph: Species, arrows: readonly Arrow[]): Species {
  const byMap = indexByMap(graph);
  const work: Working = { atoms: graph.atoms.map((a) => ({ ...a })), orders: new Map(graph.bonds.map((b) => [bondKey(b.a, b.b), b.order])), aromatic: new Set(graph.aromatic) };
  const touched = new Set<string>();
  const explicitHydrogen = new Map<number, number>();
  const order = (a: number, b: number) => work.orders.get(bondKey(a, b)) ?? 0;
  const setOrder = (a: number, b: number, value: number) => {
    if (a === b) throw new ElectronMoveError(`an arrow bonds atom ${work.atoms[a]!.mapNumber || a} to itself`);
    if (value < 0) throw new ElectronMoveError(`an arrow breaks a bond that is not there (${label(a)}–${label(b)})`);
    if (value > 3) throw new ElectronMoveError(`an arrow raises the bond ${label(a)}–${label(b)} beyond a triple bond`);
    if (value === 0) work.orders.delete(bondKey(a, b));
    else work.orders.set(bondKey(a, b), value);
  };
  const label = (i: number) => (work.atoms[i]!.mapNumber ? String(work.atoms[i]!.mapNumber) : `${work.atoms[i]!.symbol}`);
  const resolve = (ref: AtomRef): number => {
    const heavy = byMap.get(ref.map);
    if (heavy === undefined) throw new ElectronMoveError(`no atom has map number ${ref.map}`);
    if (!ref.hydrogen || work.atoms[heavy]!.atomicNumber === 1) return heavy;
    const known = explicitHydrogen.get(heavy);
    if (known !== undefined) return known;
    if (work.atoms[heavy]!.hydrogens < 1) throw new ElectronMoveError(`atom ${ref.map} has no hydrogen for ${ref.map}.1`);
    work.atoms[heavy]!.hydrogens -= 1;
    const h = work.atoms.push({ atomicNumber: 1, symbol: 'H', aromatic: false, hydrogens: 0, charge: 0, mapNumber: 0 }) - 1;
    work.orders.set(bondKey(heavy, h), 1);
    explicitHydrogen.set(heavy, h);
    return h;
  };

  for (const arrow of arrows) {
    let holder: number;
    if (arrow.source.kind === 'lone-pair') {
      holder = resolve(arrow.source.atom);
      work.atoms[holder]!.charge += 1;
    } else {
      const from = resolve(arrow.source.from);
      holder = resolve(arrow.source.to);
      // a π pair of an aromatic ring that this Kekulé form drew as a single bond
      if (order(from, holder) === 1) shiftKekule(work, from, holder, 2);
      touched.add(bondKey(from, holder));
      setOrder(from, holder, order(from, holder) - 1);
      work.atoms[from]!.charge += 1;
    }
    if (arrow.sink.kind === 'atom') {
      const sink = resolve(arrow.sink.atom);
      if (sink !== holder) {
        touched.add(bondKey(holder, sink));
        setOrder(holder, sink, order(holder, sink) + 1);
      }
      work.atoms[sink]!.charge -= 1;
    } else {
      const c = resolve(arrow.sink.a);
      const d = resolve(arrow.sink.b);
      if (c !== holder && d !== holder) throw new ElectronMoveError(`the electrons of ${label(holder)} cannot reach the bond ${label(c)}–${label(d)}`);
      // an aromatic bond this Kekulé form drew double, which the arrow makes a π bond of
      if (order(c, d) === 2) shiftKekule(work, c, d, 1);
      touched.add(bondKey(c, d));
      setOrder(c, d, order(c, d) + 1);
      work.atoms[d]!.charge -= 1;
    }
  }
  for (const key of touched) work.aromatic.delete(key);
  const result = foldHydrogens(work);
  checkRules(graph, result);
  return result;
}

/**
 * Moves to another Kekulé form of an aromatic system in which bond a–b has the order `wanted`
 * (2 or 1): flips the double and single bonds along an alternating path of aromatic bonds from b
 * back to a, which keeps every atom's valence. Does nothing when a–b is not aromatic or no such
 * path exists (the arrow then acts on the bond as drawn).
 */
function shiftKekule(work: Working, a: number, b: number, wanted: 1 | 2): void {
  if (!work.aromatic.has(bondKey(a, b))) return;
  const neighbours = new Map<number, number[]>();
  for (const key of work.aromatic) {
    const [x, y] = key.split('-').map(Number) as [number, number];
    neighbours.set(x, [...(neighbours.get(x) ?? []), y]);
    neighbours.set(y, [...(neighbours.get(y) ?? []), x]);
  }
  // after the flip a–b has `wanted`, so the path's first bond at b must have it now and lose it
  const path = [b];
  const onPath = new Set([a, b]);
  const search = (atom: number, need: number): boolean => {
    for (const next of neighbours.get(atom) ?? []) {
      const o = work.orders.get(bondKey(atom, next)) ?? 0;
      if (o !== need) continue;
      if (next === a) {
        if (path.length < 2) continue; // the bond a–b itself
        path.push(a);
        return true;
      }
      if (onPath.has(next)) continue;
      onPath.add(next);
      path.push(next);
      if (search(next, need === 2 ? 1 : 2)) return true;
      path.pop();
      onPath.delete(next);
    }
    return false;
  };
  if (!search(b, wanted)) return;
  for (let i = 0; i + 1 < path.length; i++) {
    const key = bondKey(path[i]!, path[i + 1]!);
    work.orders.set(key, work.orders.get(key) === 2 ? 1 : 2);
  }
  work.orders.set(bondKey(a, b), wanted);
}

/** Hydrogens with exactly one single bond, no charge and no map become counts on their neighbour again. */
function foldHydrogens(work: Working): Species {
  const bondsOf = new Map<number, number[]>();
  for (const key of work.orders.keys()) {
    const [a, b] = key.split('-').map(Number) as [number, number];
    bondsOf.set(a, [...(bondsOf.get(a) ?? []), b]);
    bondsOf.set(b, [...(bondsOf.get(b) ?? []), a]);
  }
  const drop = new Set<number>();
  work.atoms.forEach((atom, i) => {
    if (atom.atomicNumber !== 1 || atom.charge !== 0 || atom.hydrogens !== 0) return;
    const partners = bondsOf.get(i) ?? [];
    if (partners.length !== 1) return;
    const heavy = partners[0]!;
    if (work.atoms[heavy]!.atomicNumber === 1 || (work.orders.get(bondKey(i, heavy)) ?? 0) !== 1) return;
    work.atoms[heavy]!.hydrogens += 1;
    drop.add(i);
  });
  const renumber = new Map<number, number>();
  const atoms: GraphAtom[] = [];
  work.atoms.forEach((atom, i) => {
    if (drop.has(i)) return;
    renumber.set(i, atoms.length);
    atoms.push(atom);
  });
  const bonds = [...work.orders].flatMap(([key, value]) => {
    const [a, b] = key.split('-').map(Number) as [number, number];
    if (drop.has(a) || drop.has(b)) return [];
    return [{ a: renumber.get(a)!, b: renumber.get(b)!, order: value as BondOrder }];
  });
  const aromatic = new Set<string>();
  for (const key of work.aromatic) {
    const [a, b] = key.split('-').map(Number) as [number, number];
    if (renumber.has(a) && renumber.has(b) && work.orders.has(key)) aromatic.add(bondKey(renumber.get(a)!, renumber.get(b)!));
  }
  return { atoms, bonds, aromatic };
}

function checkRules(before: ReactionGraph, after: ReactionGraph): void {
  const degree = new Map<number, number>();
  for (const bond of after.bonds) {
    degree.set(bond.a, (degree.get(bond.a) ?? 0) + 1);
    degree.set(bond.b, (degree.get(bond.b) ?? 0) + 1);
  }
  after.atoms.forEach((atom, i) => {
    if (atom.atomicNumber === 1 && (degree.get(i) ?? 0) + atom.hydrogens > 1) throw new ElectronMoveError('a hydrogen ends bonded to two atoms');
  });
  if (!sameComposition(composition(before), composition(after))) throw new ElectronMoveError('the step does not conserve atoms and charge');
  for (const molecule of mappedSmiles(after).split('.')) {
    if (canonicalOrNull(molecule) === null) throw new ElectronMoveError(`the step leaves a species RDKit rejects (a broken valence): ${molecule}`);
  }
}

function atomText(atom: GraphAtom, withMaps: boolean): string {
  const hydrogens = atom.hydrogens === 0 ? '' : atom.hydrogens === 1 ? 'H' : `H${atom.hydrogens}`;
  return `[${atom.symbol}${hydrogens}${chargeText(atom.charge)}${withMaps && atom.mapNumber ? `:${atom.mapNumber}` : ''}]`;
}

/** Each molecule of the species as SMILES, with the atoms in the order written (RDKit's order when it reads them back). */
export function speciesComponents(graph: ReactionGraph, withMaps: boolean): { text: string; atoms: number[] }[] {
  return writeComponents({ atomCount: graph.atoms.length, neighbours: neighbourLists(graph) }, { atom: (i) => atomText(graph.atoms[i]!, withMaps), bond: (o) => BOND_SYMBOL[o] });
}

function writeSpecies(graph: ReactionGraph, withMaps: boolean): string {
  return speciesComponents(graph, withMaps)
    .map((c) => c.text)
    .join('.');
}

/** Every species as atom-mapped SMILES (bracket atoms spell hydrogens and charges exactly). */
export function mappedSmiles(graph: ReactionGraph): string {
  return writeSpecies(graph, true);
}

/** The species as sorted canonical SMILES without atom maps: what two states are compared by. */
export function canonicalSpecies(graph: ReactionGraph): string[] {
  return writeSpecies(graph, false)
    .split('.')
    .map((m) => canonicalOrNull(m) ?? m)
    .sort();
}
