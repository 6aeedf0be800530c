/**
 * Features of a discovery candidate for the reactivity model, in three groups:
 * - **identity**: one indicator per choice of each varying substance or categorical parameter, a
 *   range-scaled value per numeric one — what a chemist's table of outcomes is indexed by;
 * - **structure**: the radius-1 Morgan bits that vary among a role's substances (identical columns
 *   merged), so an outcome with one aryl chloride says something about the other chlorides;
 * - **forward model**: the top product's probability, whether any template applies at all, and
 *   which reaction centre the top product comes from — so combinations the forward model files
 *   under the same reaction class share evidence.
 * Each group is scaled by 1/√(columns it contributes per candidate), so the prior weighs the groups
 * alike however many columns each has.
 */
import { morganFingerprint } from '../chem/index.js';
import type { Parameter } from '../planner/parameters.js';
import type { SearchSpace } from '../planner/space.js';
import type { ForwardAnnotations } from './forward-annotations.js';
import { sparseRow, type SparseRow } from './reactivity-model.js';

export interface FeatureOptions {
  /** Morgan bits per role (default true). */
  structure?: boolean;
  /** Indicators of each pair of choices of two parameters (default true). */
  interactions?: boolean;
}

export interface CandidateFeatures {
  /** Per candidate, its non-zero features. */
  rows: SparseRow[];
  dimension: number;
  /** Column names, for explanations and tests. */
  names: string[];
}

type Column = { name: string; value: (candidate: number) => number };

export function candidateFeatures(space: SearchSpace, forward: ForwardAnnotations | undefined, options: FeatureOptions = {}): CandidateFeatures {
  const groups: Column[][] = [];
  const identities: Column[][] = [];
  // the roles of an unordered group are one factor: "the set contains this reagent", whichever slot
  const grouped = new Set(space.unordered.flat());
  const factors = [...space.unordered.map((g) => [...g]), ...space.parameters.flatMap((_, j) => (grouped.has(j) ? [] : [[j]]))].sort((a, b) => a[0]! - b[0]!);
  for (const slots of factors) {
    const parameter = space.parameters[slots[0]!]!;
    const identity = identityColumns(space, parameter, slots);
    if (identity.length > 0) groups.push(identity);
    if (identity.length > 1) identities.push(identity);
    if (slots.length > 1 && options.interactions !== false) {
      // which two reagents of the set meet is the heart of pairwise reactivity
      const within: Column[] = [];
      identity.forEach((a, x) => identity.slice(x + 1).forEach((b) => within.push({ name: `${a.name}&${b.name}`, value: (i) => Math.min(1, a.value(i) * b.value(i)) })));
      if (within.length > 0) groups.push(within);
    }
    if (parameter.kind === 'substance' && options.structure !== false) {
      const structure = structureColumns(space, parameter, slots);
      if (structure.length > 0) groups.push(structure);
    }
  }
  if (options.interactions !== false) {
    // whether a reaction works often hangs on a pair (this base with that substrate), which a sum
    // of per-choice effects cannot say; pairs never seen stay at the prior
    for (let a = 0; a < identities.length; a++) {
      for (let b = a + 1; b < identities.length; b++) {
        const pairs: Column[] = [];
        for (const ca of identities[a]!) {
          for (const cb of identities[b]!) pairs.push({ name: `${ca.name}&${cb.name}`, value: (i) => ca.value(i) * cb.value(i) });
        }
        groups.push(pairs);
      }
    }
  }
  if (forward) groups.push(...forwardColumns(forward));

  const columns: Column[] = [];
  const scales: number[] = [];
  for (const group of groups) {
    // a one-hot group sets one column per candidate, a bit group several: scale by the typical count
    let active = 0;
    for (let i = 0; i < space.size; i++) for (const c of group) active += Math.abs(c.value(i));
    const perCandidate = Math.max(1, active / space.size);
    for (const c of group) {
      columns.push(c);
      scales.push(1 / Math.sqrt(perCandidate));
    }
  }
  const rows: SparseRow[] = [];
  for (let i = 0; i < space.size; i++) rows.push(sparseRow(Float64Array.from(columns, (c, k) => c.value(i) * scales[k]!)));
  return { rows, dimension: columns.length, names: columns.map((c) => c.name) };
}

/** `slots`: the parameter's index, or the indices of its unordered group (values then count the slots). */
function identityColumns(space: SearchSpace, parameter: Parameter, slots: number[]): Column[] {
  const j = slots[0]!;
  if (parameter.kind === 'continuous') throw new Error(`the discovery strategy needs a listed space; ${parameter.name} is continuous`);
  if (parameter.kind === 'numeric') {
    const min = Math.min(...parameter.values);
    const span = Math.max(...parameter.values) - min;
    if (span === 0) return [];
    return [{ name: parameter.name, value: (i) => ((parameter.values[space.code(i, j)] as number) - min) / span }];
  }
  const labels = parameter.kind === 'substance' ? parameter.choices.map((c) => c.name) : parameter.values;
  if (labels.length < 2) return [];
  if (slots.length > 1) {
    return labels.map((label, code) => ({ name: `${parameter.name}∋${label}`, value: (i) => slots.reduce((n, s) => n + (space.code(i, s) === code ? 1 : 0), 0) }));
  }
  return labels.map((label, code) => ({ name: `${parameter.name}=${label}`, value: (i) => (space.code(i, j) === code ? 1 : 0) }));
}

function structureColumns(space: SearchSpace, parameter: Extract<Parameter, { kind: 'substance' }>, slots: number[]): Column[] {
  if (parameter.choices.length < 3) return []; // with two choices the identity column says it all
  const fps = parameter.choices.map((c) => morganFingerprint(c.smiles, { radius: 1, nBits: 1024 }));
  const seen = new Set<string>();
  const columns: Column[] = [];
  for (let bit = 0; bit < 1024; bit++) {
    const pattern = fps.map((fp) => fp[bit]!).join('');
    // bits every choice shares (or none has) say nothing; identical patterns are one feature
    if (!pattern.includes('1') || !pattern.includes('0') || seen.has(pattern)) continue;
    // a bit set on a single choice duplicates that choice's identity column
    if (pattern.indexOf('1') === pattern.lastIndexOf('1')) continue;
    seen.add(pattern);
    columns.push({ name: `${parameter.name}:bit${bit}`, value: (i) => slots.reduce((n, s) => n + fps[space.code(i, s)]![bit]!, 0) });
  }
  return columns;
}

function forwardColumns(forward: ForwardAnnotations): Column[][] {
  const top = forward.candidates.map((c) => c.products[0]);
  const groups: Column[][] = [
    [
      { name: 'forward:top1_probability', value: (i) => top[i]?.probability ?? 0 },
      { name: 'forward:no_product', value: (i) => (top[i] ? 0 : 1) },
    ],
  ];
  // reaction centres of the top product that split the space (a centre shared by every
  // candidate, or by one alone, is left to the other features)
  const counts = new Map<string, number>();
  for (const t of top) if (t) counts.set(t.template, (counts.get(t.template) ?? 0) + 1);
  const centres = [...counts].filter(([, n]) => n >= 2 && n < top.length).map(([template]) => template);
  if (centres.length > 0) {
    groups.push(centres.map((template) => ({ name: `forward:centre=${template}`, value: (i) => (top[i]?.template === template ? 1 : 0) })));
  }
  return groups;
}
