// Ring membership: a bond is in a ring exactly when it lies on a cycle, i.e.
// when it is not a bridge of the molecular graph. Found with a depth-first
// search (Tarjan's bridge algorithm), which needs no ring enumeration and
// agrees with RDKit's IsInRing() for atoms and bonds.
import { incidentBonds, otherAtom, type MolTopology } from './topology.js';

export interface RingMembership {
  atomInRing: boolean[];
  bondInRing: boolean[];
}

export function ringMembership(topology: MolTopology): RingMembership {
  const atomCount = topology.atoms.length;
  const incident = incidentBonds(topology);
  const discovered = new Array<number>(atomCount).fill(-1);
  const lowest = new Array<number>(atomCount).fill(-1);
  const bondInRing = topology.bonds.map(() => true);
  let clock = 0;

  // Iterative DFS so that long chains (polymers, peptides) cannot overflow the stack.
  for (let root = 0; root < atomCount; root++) {
    if (discovered[root] !== -1) continue;
    discovered[root] = lowest[root] = clock++;
    const stack: { atom: number; viaBond: number; next: number }[] = [{ atom: root, viaBond: -1, next: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const bonds = incident[frame.atom] ?? [];
      if (frame.next < bonds.length) {
        const bondIndex = bonds[frame.next++]!;
        if (bondIndex === frame.viaBond) continue;
        const neighbour = otherAtom(topology.bonds[bondIndex]!, frame.atom);
        if (discovered[neighbour] === -1) {
          discovered[neighbour] = lowest[neighbour] = clock++;
          stack.push({ atom: neighbour, viaBond: bondIndex, next: 0 });
        } else {
          lowest[frame.atom] = Math.min(lowest[frame.atom]!, discovered[neighbour]!);
        }
        continue;
      }
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) {
        lowest[parent.atom] = Math.min(lowest[parent.atom]!, lowest[frame.atom]!);
        if (lowest[frame.atom]! > discovered[parent.atom]!) bondInRing[frame.viaBond] = false;
      }
    }
  }

  const atomInRing = new Array<boolean>(atomCount).fill(false);
  topology.bonds.forEach((bond, index) => {
    if (bondInRing[index]) atomInRing[bond.begin] = atomInRing[bond.end] = true;
  });
  return { atomInRing, bondInRing };
}
