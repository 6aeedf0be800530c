/**
 * Depth-first writing of a graph as a SMILES/SMARTS string, one string per connected component.
 * Written by hand because RDKit.js cannot build a molecule atom by atom; the caller supplies how an
 * atom and a bond are spelled, and optionally a ranking that fixes the traversal (for canonical
 * SMARTS). Returns, per component, the atoms in the order they are written — the order in which
 * RDKit numbers the atoms of the string it parses back.
 */
import type { BondOrder } from './reaction-graph.js';

export interface LineGraph {
  atomCount: number;
  neighbours: readonly (readonly { atom: number; order: BondOrder }[])[];
}

export interface LineSpelling {
  atom(index: number): string;
  bond(order: BondOrder, a: number, b: number): string;
  /** lower first: roots and branch order; atom index when absent */
  rank?: (index: number) => number;
}

export function writeComponents(graph: LineGraph, spelling: LineSpelling, include?: (atom: number) => boolean): { text: string; atoms: number[] }[] {
  const rank = spelling.rank ?? ((index: number) => index);
  const allowed = (atom: number) => include?.(atom) ?? true;
  const byRank = (x: number, y: number) => rank(x) - rank(y) || x - y;
  const roots = Array.from({ length: graph.atomCount }, (_, i) => i).filter(allowed).sort(byRank);
  const visited = new Uint8Array(graph.atomCount);
  const components: { text: string; atoms: number[] }[] = [];

  for (const root of roots) {
    if (visited[root]) continue;
    // Pass 1: the DFS tree; every other edge closes a ring between an atom and one of its ancestors.
    const order: number[] = [];
    const parent = new Map<number, number>([[root, -1]]);
    const children = new Map<number, number[]>();
    const visit = (atom: number): void => {
      visited[atom] = 1;
      order.push(atom);
      const kids: number[] = [];
      children.set(atom, kids);
      const next = graph.neighbours[atom]!.map((n) => n.atom).filter(allowed).sort(byRank);
      for (const other of next) {
        if (parent.has(other)) continue;
        parent.set(other, atom);
        kids.push(other);
        visit(other);
      }
    };
    visit(root);
    const position = new Map(order.map((atom, index) => [atom, index]));

    // Pass 2: write; a ring-closure digit opens at the earlier atom and closes (with the bond) at the later one.
    const open = new Map<string, number>();
    const free: number[] = [];
    let nextDigit = 1;
    const digitText = (d: number): string => (d < 10 ? String(d) : `%${d}`);
    const write = (atom: number): string => {
      let text = spelling.atom(atom);
      const ringEdges = graph.neighbours[atom]!.filter(
        (n) => allowed(n.atom) && parent.get(atom) !== n.atom && parent.get(n.atom) !== atom,
      ).sort((x, y) => position.get(x.atom)! - position.get(y.atom)!);
      for (const { atom: other, order: bondOrder } of ringEdges) {
        const key = atom < other ? `${atom}-${other}` : `${other}-${atom}`;
        if (position.get(other)! < position.get(atom)!) {
          const digit = open.get(key)!;
          open.delete(key);
          text += spelling.bond(bondOrder, atom, other) + digitText(digit);
          free.push(digit);
        } else {
          free.sort((x, y) => x - y);
          const digit = free.length > 0 ? free.shift()! : nextDigit++;
          open.set(key, digit);
          text += digitText(digit);
        }
      }
      const kids = children.get(atom)!;
      kids.forEach((kid, index) => {
        const bondOrder = graph.neighbours[atom]!.find((n) => n.atom === kid)!.order;
        const branch = spelling.bond(bondOrder, atom, kid) + write(kid);
        text += index < kids.length - 1 ? `(${branch})` : branch;
      });
      return text;
    };
    components.push({ text: write(root), atoms: order });
  }
  return components;
}
