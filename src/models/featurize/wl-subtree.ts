/**
 * Weisfeiler–Lehman subtree features of our own molecular graphs (Shervashidze et al., JMLR 12,
 * 2539 (2011)): every heavy atom starts with a label made of its graph features (element, degree,
 * charge, chirality, hydrogens, hybridisation, aromaticity, ring membership: the one-hot slots of
 * src/chem/graph.ts), and each iteration relabels an atom by its own label and the sorted multiset
 * of (bond label, neighbour label). The molecule's feature vector counts every label of every
 * iteration, so two molecules share a feature for every pair of atoms whose neighbourhoods agree
 * up to that depth — counted, not hashed into a fixed-width bit vector as a Morgan fingerprint is.
 *
 * Similarity is the MinMax (generalised Tanimoto) kernel on those counts, Σ min / Σ max, which is
 * positive definite (Ralaivola et al., Neural Networks 18, 1093 (2005)) and 1 only for molecules
 * with identical label counts.
 *
 * Written by hand: no JavaScript library computes WL features on RDKit.js graphs.
 */
import { ATOM_FDIM, BOND_FDIM, ATOM_FEATURE_SLICES, molecularGraph, type MolecularGraph } from '../../chem/index.js';

/** Label strings → small integers, shared by all molecules so that equal labels compare equal. */
const labelIds = new Map<string, number>();
function labelId(label: string): number {
  let id = labelIds.get(label);
  if (id === undefined) {
    id = labelIds.size;
    labelIds.set(label, id);
  }
  return id;
}

// mass/100 is a continuous scalar (isotopes aside it repeats the element): not part of a label
const MASS_SLOT = ATOM_FEATURE_SLICES.find((s) => s.name === 'mass/100')?.offset ?? -1;

function hotSlots(features: Float32Array, offset: number, width: number, skip = -1): string {
  const slots: number[] = [];
  for (let k = 0; k < width; k++) if (k !== skip && features[offset + k] !== 0) slots.push(k);
  return slots.join(',');
}

/** Sorted (label id, count) pairs of a molecule's WL subtree features up to `iterations`. */
export interface WlFeatures {
  ids: Int32Array;
  counts: Float64Array;
}

function featuresOf(graph: MolecularGraph, iterations: number): WlFeatures {
  const n = graph.numAtoms;
  const neighbours: { atom: number; bond: string }[][] = Array.from({ length: n }, () => []);
  for (let b = 0; b < graph.numBonds; b++) {
    const i = graph.bondAtoms[2 * b]!;
    const j = graph.bondAtoms[2 * b + 1]!;
    const bond = hotSlots(graph.bondFeatures, b * BOND_FDIM, BOND_FDIM);
    neighbours[i]!.push({ atom: j, bond });
    neighbours[j]!.push({ atom: i, bond });
  }
  const counts = new Map<number, number>();
  const add = (id: number) => counts.set(id, (counts.get(id) ?? 0) + 1);
  let labels = Array.from({ length: n }, (_, i) => labelId(`0|${hotSlots(graph.atomFeatures, i * ATOM_FDIM, ATOM_FDIM, MASS_SLOT)}`));
  labels.forEach(add);
  for (let h = 1; h <= iterations; h++) {
    const current = labels;
    labels = current.map((own, i) => {
      const around = neighbours[i]!.map(({ atom, bond }) => `${bond}:${current[atom]}`).sort();
      return labelId(`${h}|${own}|${around.join(';')}`);
    });
    labels.forEach(add);
  }
  const ids = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  return { ids, counts: Float64Array.from(ids, (id) => counts.get(id)!) };
}

const cache = new Map<string, WlFeatures>();

/** The WL subtree features of a molecule (cached by SMILES and depth). '' has none. */
export function wlSubtreeFeatures(smiles: string, iterations: number): WlFeatures {
  const key = `${iterations}\u0000${smiles}`;
  let features = cache.get(key);
  if (!features) {
    features = smiles === '' ? { ids: new Int32Array(0), counts: new Float64Array(0) } : featuresOf(molecularGraph(smiles), iterations);
    if (cache.size > 50_000) cache.clear();
    cache.set(key, features);
  }
  return features;
}

/** MinMax similarity of two molecules' WL subtree features; '' is similar only to itself. */
export function wlSimilarity(a: string, b: string, iterations: number): number {
  if (a === b) return 1;
  if (a === '' || b === '') return 0;
  const fa = wlSubtreeFeatures(a, iterations);
  const fb = wlSubtreeFeatures(b, iterations);
  let min = 0;
  let max = 0;
  let i = 0;
  let j = 0;
  while (i < fa.ids.length || j < fb.ids.length) {
    const ia = i < fa.ids.length ? fa.ids[i]! : Number.POSITIVE_INFINITY;
    const ib = j < fb.ids.length ? fb.ids[j]! : Number.POSITIVE_INFINITY;
    if (ia === ib) {
      min += Math.min(fa.counts[i]!, fb.counts[j]!);
      max += Math.max(fa.counts[i]!, fb.counts[j]!);
      i++;
      j++;
    } else if (ia < ib) max += fa.counts[i++]!;
    else max += fb.counts[j++]!;
  }
  return max === 0 ? 0 : min / max;
}
