/**
 * The learned elementary-step model: a graph network that scores the electron moves possible in a
 * state and the decision to stop there. The state's species are encoded by directed-bond message
 * passing (atom states over the whole reacting system); a candidate move is the set of atom pairs
 * whose bond order it changes (both atoms' states, old and new order) and atoms whose charge or
 * hydrogens it changes, plus its precedent (template counts), what the Markov chain over templates
 * says of it, and a learned embedding of frequent templates; "stop" is one more candidate with no
 * change. A softmax over the state's candidates gives each move's probability. The network is the
 * forward model's ranker (models/forward/ranker-network.ts): the same edit-scoring architecture,
 * here over elementary steps instead of whole reactions, so both run on wasm the same way.
 *
 * The candidates themselves come from the step templates (step-templates.ts), which guarantee the
 * hard rules: every move the engine accepts conserves atoms and charge and respects valence.
 */
import { molecularGraphAsWritten, SmilesError, type MolecularGraph } from '../chem/index.js';
import { bondKey } from '../chem/reaction/reaction-graph.js';
import { BOND_ORDER_SLOTS, CHARGE_DELTAS, HYDROGEN_DELTAS, type CandidateFeatures } from '../models/forward/ranker-features.js';
import type { RankerConfig, RankerExample } from '../models/forward/ranker-network.js';
import { scoreExamples } from '../models/forward/train-ranker.js';
import type { Parameters } from '../models/params.js';
import type { Arrow, AtomRef } from './arrows.js';
import type { ScoringState, StepScorer } from './chains.js';
import { ElectronMoveError, speciesComponents, type Species } from './electron-moves.js';
import type { StepCandidate, StepTemplateLibrary } from './step-templates.js';
import { byPrecedent } from './step-templates.js';
import { transitionWeights, type OwnTransition } from './transitions.js';

/** Candidates per state the network scores (the best-precedented): the labelled step is among them for 98.8 % of valid steps (bench:mechanism). */
export const DEFAULT_POOL = 12;
/** Embedding rows: 0 is shared by rare templates, 1 is "stop". */
const RARE_SLOT = 0;
const STOP_SLOT = 1;

/** The graph the network reads, and where each species atom sits in it. */
export function stepGraph(species: Species): { graph: MolecularGraph; position: Int32Array } {
  const components = speciesComponents(species, false);
  const order = components.flatMap((c) => c.atoms);
  const text = components.map((c) => c.text).join('.');
  const graph = molecularGraphAsWritten(text);
  if (graph.numAtoms !== order.length) throw new SmilesError(text, `RDKit read ${graph.numAtoms} atoms where ${order.length} were written`);
  const position = new Int32Array(species.atoms.length).fill(-1);
  order.forEach((atom, k) => (position[atom] = k));
  return { graph, position };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * What a move's arrows change, on the state's graph: the atom pairs whose bond order they change
 * (with the old and new order) and the atoms whose charge or hydrogens they change. Read from the
 * arrows rather than by comparing the species before and after, because a step may fold an
 * explicit hydrogen back into a count and renumber the atoms. A hydrogen an arrow names on a heavy
 * atom ("X.1") is not a graph atom: a bond it loses or gains counts on the heavy atom's hydrogens.
 */
function changes(species: Species, arrows: readonly Arrow[], position: Int32Array): Pick<CandidateFeatures, 'bonds' | 'atoms'> {
  const byMap = new Map<number, number>();
  species.atoms.forEach((a, i) => a.mapNumber && byMap.set(a.mapNumber, i));
  type End = { atom: number; hydrogen: boolean };
  const end = (ref: AtomRef): End => {
    const atom = byMap.get(ref.map);
    if (atom === undefined) throw new ElectronMoveError(`no atom has map number ${ref.map}`);
    return { atom, hydrogen: ref.hydrogen && species.atoms[atom]!.atomicNumber !== 1 };
  };
  const pairDelta = new Map<string, number>();
  const hydrogenDelta = new Map<number, number>();
  const chargeDelta = new Map<number, number>();
  const add = <K>(map: Map<K, number>, key: K, delta: number) => map.set(key, (map.get(key) ?? 0) + delta);
  const bond = (x: End, y: End, delta: number) => {
    if (x.hydrogen || y.hydrogen) {
      const [h, other] = x.hydrogen ? [x, y] : [y, x];
      // the hydrogen's bond to its own atom, or to another atom that takes or gives it
      add(hydrogenDelta, other.atom === h.atom && !other.hydrogen ? h.atom : other.atom, delta);
      return;
    }
    add(pairDelta, bondKey(x.atom, y.atom), delta);
  };
  const charge = (x: End, delta: number) => {
    if (!x.hydrogen) add(chargeDelta, x.atom, delta);
  };
  for (const arrow of arrows) {
    let holder: End;
    if (arrow.source.kind === 'lone-pair') {
      holder = end(arrow.source.atom);
      charge(holder, 1);
    } else {
      const from = end(arrow.source.from);
      holder = end(arrow.source.to);
      bond(from, holder, -1);
      charge(from, 1);
    }
    if (arrow.sink.kind === 'atom') {
      const sink = end(arrow.sink.atom);
      if (sink.atom !== holder.atom || sink.hydrogen !== holder.hydrogen) bond(holder, sink, 1);
      charge(sink, -1);
    } else {
      const a = end(arrow.sink.a);
      const b = end(arrow.sink.b);
      bond(a, b, 1);
      charge(b, -1);
    }
  }
  const orders = new Map(species.bonds.map((b) => [bondKey(b.a, b.b), b.order as number]));
  const bonds: CandidateFeatures['bonds'] = [];
  for (const [key, delta] of pairDelta) {
    if (delta === 0) continue;
    const [a, b] = key.split('-').map(Number) as [number, number];
    const old = orders.get(key) ?? 0;
    bonds.push([position[a]!, position[b]!, BOND_ORDER_SLOTS.indexOf(old as 0), BOND_ORDER_SLOTS.indexOf(clamp(old + delta, 0, 3) as 0)]);
  }
  const atoms: CandidateFeatures['atoms'] = [];
  for (const atom of new Set([...hydrogenDelta.keys(), ...chargeDelta.keys()])) {
    const dh = clamp(hydrogenDelta.get(atom) ?? 0, -3, 3);
    const dq = clamp(chargeDelta.get(atom) ?? 0, -2, 2);
    if (dh !== 0 || dq !== 0) atoms.push([position[atom]!, HYDROGEN_DELTAS.indexOf(dh as 0), CHARGE_DELTAS.indexOf(dq as 0)]);
  }
  return { bonds, atoms };
}

/** A training step's own templates (radius 0, 1, 2) and transition: taken out of its candidates' precedent. */
export interface OwnStep {
  general: string;
  specific: string;
  finer: string;
  transition: OwnTransition;
}

/** The candidates with a training step's own precedent removed, best-precedented first. */
export function withoutOwnPrecedent(candidates: readonly StepCandidate[], own: OwnStep): StepCandidate[] {
  return candidates
    .map((c) => {
      const specificCount = c.specificCount - (c.specificKey === own.specific ? 1 : 0);
      return {
        ...c,
        specificCount,
        generalCount: c.generalCount - (c.generalKey === own.general ? 1 : 0),
        finerCount: specificCount > 0 ? c.finerCount - (c.finerKey === own.finer ? 1 : 0) : 0,
      };
    })
    .sort(byPrecedent);
}

/** Rows of the template embedding for radius-1 templates seen at least `minCount` times. */
export function templateSlots(library: StepTemplateLibrary, minCount: number): Map<string, number> {
  const slots = new Map<string, number>();
  for (const [key, count] of library.specificCounts()) if (count >= minCount) slots.set(key, slots.size + 2);
  return slots;
}

/**
 * The network's view of one state: its graph, each candidate's changes and numbers, and stop (after
 * the first step). `gold`: the index of the labelled candidate, or -1 for stop (training only).
 */
export function stateExample(library: StepTemplateLibrary, state: ScoringState, slots: ReadonlyMap<string, number>, own?: OwnTransition, gold?: number): RankerExample {
  const { graph, position } = stepGraph(state.species);
  const { weights, stop } = transitionWeights(library, state.context, state.candidates, own);
  const total = stop + weights.reduce((s, w) => s + w, 0);
  const depth = Math.min(state.context.depth, 12) / 12;
  const candidates: CandidateFeatures[] = state.candidates.map((c, i) => {
    const change = changes(state.species, c.arrows, position);
    return {
      ...change,
      numeric: [
        Math.log1p(Math.max(0, c.generalCount)) / 5,
        Math.log1p(Math.max(0, c.specificCount)) / 5,
        Math.log1p(Math.max(0, c.finerCount)) / 5,
        c.specificCount > 0 ? 1 : 0,
        change.bonds.length / 4,
        change.atoms.length / 4,
        weights[i]! / total,
        0,
        depth,
      ],
      templateSlot: slots.get(c.specificKey) ?? RARE_SLOT,
    };
  });
  if (state.context.depth > 0) candidates.push({ bonds: [], atoms: [], numeric: [0, 0, 0, 0, 0, 0, stop / total, 1, depth], templateSlot: STOP_SLOT });
  const example: RankerExample = { graph, candidates };
  if (gold !== undefined) example.gold = candidates.map((_, i) => (gold < 0 ? i === state.candidates.length : i === gold));
  return example;
}

/** Softmax of each state's logits: its candidates' probabilities, then stop's. */
function probabilities(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const e = Array.from(logits, (x) => Math.exp(x - max));
  const sum = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / sum);
}

export class LearnedStepScorer implements StepScorer {
  constructor(
    private readonly library: StepTemplateLibrary,
    private readonly params: Parameters,
    private readonly config: RankerConfig,
    private readonly slots: ReadonlyMap<string, number>,
    readonly pool: number = DEFAULT_POOL,
  ) {}

  score(states: readonly ScoringState[]): { candidates: number[]; stop: number }[] {
    // a state with no move and no step behind it has nothing to choose
    const hasChoice = (s: ScoringState) => s.candidates.length > 0 || s.context.depth > 0;
    const scorable = states.filter(hasChoice);
    const examples = scorable.map((s) => stateExample(this.library, s, this.slots));
    const logits = examples.length ? this.logits(examples) : [];
    let k = 0;
    return states.map((s) => {
      if (!hasChoice(s)) return { candidates: [], stop: 0 };
      const p = probabilities(logits[k++]!);
      return { candidates: p.slice(0, s.candidates.length), stop: s.context.depth > 0 ? p[s.candidates.length]! : 0 };
    });
  }

  private logits(examples: RankerExample[]): Float32Array[] {
    return scoreExamples(this.params, this.config, examples, examples.length);
  }
}
