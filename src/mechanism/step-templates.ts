/**
 * Elementary-step templates: what a labelled step did, abstracted from the molecule it did it in.
 * A template is the atoms the step's arrows touch (radius 0), optionally with their neighbours
 * (radius 1), each described by element, aromaticity, hydrogens and charge, the bonds among them,
 * and the arrows re-written over those atoms. Applied to new species, a radius-0 template proposes
 * every place the same electron moves fit (the engine refuses those that break a rule); how often
 * the radius-1 templates (then radius 2, then 0) occurred in training ranks the proposals. This is the
 * candidate generator a learned step model scores, and, ranked by counts alone, its baseline.
 */
import { bondKey } from '../chem/reaction/reaction-graph.js';
import type { Arrow, AtomRef, ElectronSink, ElectronSource } from './arrows.js';
import { applyArrows, canonicalSpecies, ElectronMoveError, type Species } from './electron-moves.js';

/** An arrow end over template atoms: `atom` indexes StepTemplate.atoms. */
interface TemplateRef {
  atom: number;
  hydrogen: boolean;
}

type TemplateArrow = { source: { kind: 'lone-pair'; atom: TemplateRef } | { kind: 'bond'; from: TemplateRef; to: TemplateRef }; sink: { kind: 'atom'; atom: TemplateRef } | { kind: 'bond'; a: TemplateRef; b: TemplateRef } };

export interface StepTemplate {
  key: string;
  /** atom labels, e.g. "N:H2:0" or "c:H1:0" (lowercase: aromatic) */
  atoms: string[];
  /** bonds among the template's atoms: [i, j, order label] with i < j */
  bonds: [number, number, string][];
  arrows: TemplateArrow[];
}

function atomLabel(species: Species, index: number, aromaticAtoms: Set<number>): string {
  const atom = species.atoms[index]!;
  const symbol = aromaticAtoms.has(index) ? atom.symbol.toLowerCase() : atom.symbol;
  return `${symbol}:H${atom.hydrogens}:${atom.charge}`;
}

function bondLabel(species: Species, a: number, b: number, orders: Map<string, number>): string | undefined {
  const key = bondKey(a, b);
  const order = orders.get(key);
  if (order === undefined) return undefined;
  return species.aromatic.has(key) ? 'a' : String(order);
}

interface SpeciesView {
  byMap: Map<number, number>;
  orders: Map<string, number>;
  aromaticAtoms: Set<number>;
  aromaticBonds: ReadonlySet<string>;
  neighbours: number[][];
  labels: string[];
}

function view(species: Species): SpeciesView {
  const byMap = new Map<number, number>();
  species.atoms.forEach((a, i) => a.mapNumber && byMap.set(a.mapNumber, i));
  const orders = new Map(species.bonds.map((b) => [bondKey(b.a, b.b), b.order as number]));
  const aromaticAtoms = new Set<number>();
  for (const key of species.aromatic) for (const x of key.split('-')) aromaticAtoms.add(Number(x));
  const neighbours = species.atoms.map((): number[] => []);
  for (const b of species.bonds) {
    neighbours[b.a]!.push(b.b);
    neighbours[b.b]!.push(b.a);
  }
  const labels = species.atoms.map((_, i) => atomLabel(species, i, aromaticAtoms));
  return { byMap, orders, aromaticAtoms, aromaticBonds: species.aromatic, neighbours, labels };
}

/** The template of one step: `radius` 0 (the atoms the arrows touch) or 1 (and their neighbours). */
export function extractStepTemplate(species: Species, arrows: readonly Arrow[], radius: 0 | 1 | 2): StepTemplate {
  return templateIn(view(species), species, arrows, radius);
}

/** extractStepTemplate on a species whose view is already built (one per species, not per step tried). */
function templateIn(v: SpeciesView, species: Species, arrows: readonly Arrow[], radius: 0 | 1 | 2): StepTemplate {
  const order: number[] = [];
  const indexOf = new Map<number, number>();
  const take = (atom: number) => {
    if (!indexOf.has(atom)) {
      indexOf.set(atom, order.length);
      order.push(atom);
    }
  };
  const graphAtom = (ref: AtomRef) => {
    const i = v.byMap.get(ref.map);
    if (i === undefined) throw new ElectronMoveError(`no atom has map number ${ref.map}`);
    return i;
  };
  const refs = (arrow: Arrow): AtomRef[] => [
    ...(arrow.source.kind === 'lone-pair' ? [arrow.source.atom] : [arrow.source.from, arrow.source.to]),
    ...(arrow.sink.kind === 'atom' ? [arrow.sink.atom] : [arrow.sink.a, arrow.sink.b]),
  ];
  for (const arrow of arrows) for (const r of refs(arrow)) take(graphAtom(r));
  for (let ring = 0; ring < radius; ring++) {
    const inner = [...order];
    const shell = inner.flatMap((a) => v.neighbours[a]!.filter((n) => !indexOf.has(n)).map((n) => ({ n, key: `${String(inner.indexOf(a)).padStart(3, '0')}|${v.labels[n]}` })));
    shell.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    for (const { n } of shell) take(n);
  }
  const atoms = order.map((a) => v.labels[a]!);
  const bonds: [number, number, string][] = [];
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const label = bondLabel(species, order[i]!, order[j]!, v.orders);
      if (label) bonds.push([i, j, label]);
    }
  }
  const t = (r: AtomRef): TemplateRef => ({ atom: indexOf.get(graphAtom(r))!, hydrogen: r.hydrogen });
  const templateArrows = arrows.map((arrow): TemplateArrow => ({
    source: arrow.source.kind === 'lone-pair' ? { kind: 'lone-pair', atom: t(arrow.source.atom) } : { kind: 'bond', from: t(arrow.source.from), to: t(arrow.source.to) },
    sink: arrow.sink.kind === 'atom' ? { kind: 'atom', atom: t(arrow.sink.atom) } : { kind: 'bond', a: t(arrow.sink.a), b: t(arrow.sink.b) },
  }));
  const key = JSON.stringify([atoms, bonds, templateArrows]);
  return { key, atoms, bonds, arrows: templateArrows };
}

/** Every placement of a template's atoms on distinct species atoms with the same labels and exactly its bonds among them. */
function placements(template: StepTemplate, v: SpeciesView, limit: number): number[][] {
  const n = template.atoms.length;
  const bondAt = new Map(template.bonds.map(([i, j, label]) => [`${i}-${j}`, label]));
  const candidates = template.atoms.map((label) => v.labels.flatMap((l, i) => (l === label ? [i] : [])));
  const out: number[][] = [];
  const chosen: number[] = [];
  const used = new Set<number>();
  const extend = (k: number): void => {
    if (out.length >= limit) return;
    if (k === n) {
      out.push([...chosen]);
      return;
    }
    for (const atom of candidates[k]!) {
      if (used.has(atom)) continue;
      let fits = true;
      for (let j = 0; j < k && fits; j++) {
        const want = bondAt.get(`${j}-${k}`);
        const key = bondKey(chosen[j]!, atom);
        const order = v.orders.get(key);
        const have = order === undefined ? undefined : v.aromaticBonds.has(key) ? 'a' : String(order);
        if (want !== have) fits = false;
      }
      if (!fits) continue;
      chosen.push(atom);
      used.add(atom);
      extend(k + 1);
      chosen.pop();
      used.delete(atom);
    }
  };
  extend(0);
  return out;
}

function arrowsAt(template: StepTemplate, placement: number[], species: Species): Arrow[] {
  const ref = (r: TemplateRef): AtomRef => ({ map: species.atoms[placement[r.atom]!]!.mapNumber, hydrogen: r.hydrogen });
  return template.arrows.map((a) => {
    const source: ElectronSource = a.source.kind === 'lone-pair' ? { kind: 'lone-pair', atom: ref(a.source.atom) } : { kind: 'bond', from: ref(a.source.from), to: ref(a.source.to) };
    const sink: ElectronSink = a.sink.kind === 'atom' ? { kind: 'atom', atom: ref(a.sink.atom) } : { kind: 'bond', a: ref(a.sink.a), b: ref(a.sink.b) };
    return { source, sink };
  });
}

export const STEP_LIBRARY_FORMAT = 'athanor-step-templates-v4';

export interface StepLibraryData {
  format: string;
  general: CountedStepTemplate[];
  specific: [string, number][];
  finer: [string, number][];
  last: [string, number][];
  follows: [string, [string, number][]][];
  followsInContext: [string, [string, number][]][];
  lastInContext: [string, number][];
}

export interface CountedStepTemplate {
  template: StepTemplate;
  count: number;
}

export interface StepCandidate {
  arrows: Arrow[];
  result: Species;
  /** canonical SMILES of the resulting species, sorted: what two candidates are told apart by */
  outcome: string[];
  /** its radius-1 template's key, and the training counts of its radius-1 and radius-0 templates */
  specificKey: string;
  specificCount: number;
  /** training count of its radius-2 template (0 when its radius-1 template has none) */
  finerCount: number;
  generalCount: number;
  /** its radius-0 and radius-2 templates' keys: a training step's own precedent is taken out by them */
  generalKey: string;
  finerKey: string;
}

/** Templates counted over training steps, and candidate steps for new species. */
export class StepTemplateLibrary {
  private readonly general = new Map<string, CountedStepTemplate>();
  private readonly specific = new Map<string, number>();
  /** radius-2 templates: a finer precedent that breaks ties between equally common radius-1 ones */
  private readonly finer = new Map<string, number>();
  /** per radius-1 template: how often it was a mechanism's last step */
  private readonly last = new Map<string, number>();
  /** radius-1 template of a step ('' = none: the mechanism's start) → the next step's → count */
  private readonly follows = new Map<string, Map<string, number>>();
  /** the same, keyed by the mechanism's first step and the previous one: a finer context that backs off to `follows` */
  private readonly followsInContext = new Map<string, Map<string, number>>();
  private readonly lastInContext = new Map<string, number>();
  /** candidates() by species object; a new step counted makes them stale */
  private candidatesOf = new WeakMap<Species, readonly StepCandidate[]>();

  /**
   * One training step: `previous` is the radius-1 key of the step before it in its mechanism
   * ('' for a first step), `isLast` whether it ended the mechanism. Returns its radius-1 key.
   */
  add(species: Species, arrows: readonly Arrow[], isLast = false, previous = '', first = ''): string {
    this.candidatesOf = new WeakMap();
    const v = view(species);
    const general = templateIn(v, species, arrows, 0);
    const entry = this.general.get(general.key);
    if (entry) entry.count++;
    else this.general.set(general.key, { template: general, count: 1 });
    const specific = templateIn(v, species, arrows, 1).key;
    this.specific.set(specific, (this.specific.get(specific) ?? 0) + 1);
    const finer = templateIn(v, species, arrows, 2).key;
    this.finer.set(finer, (this.finer.get(finer) ?? 0) + 1);
    if (isLast) this.last.set(specific, (this.last.get(specific) ?? 0) + 1);
    const next = this.follows.get(previous) ?? new Map<string, number>();
    next.set(specific, (next.get(specific) ?? 0) + 1);
    this.follows.set(previous, next);
    if (previous !== '') {
      const context = `${first}\u0001${previous}`;
      const inContext = this.followsInContext.get(context) ?? new Map<string, number>();
      inContext.set(specific, (inContext.get(specific) ?? 0) + 1);
      this.followsInContext.set(context, inContext);
    }
    if (isLast) {
      const context = `${first || specific}\u0001${specific}`;
      this.lastInContext.set(context, (this.lastInContext.get(context) ?? 0) + 1);
    }
    return specific;
  }

  /** Like transitions(), in the context of the mechanism's first step (undefined: never seen there). */
  transitionsInContext(first: string, previous: string): { next: ReadonlyMap<string, number>; stop: number; total: number } | undefined {
    const context = `${first}\u0001${previous}`;
    const next = this.followsInContext.get(context);
    const stop = this.lastInContext.get(context) ?? 0;
    if (!next && stop === 0) return undefined;
    let total = stop;
    for (const n of next?.values() ?? []) total += n;
    return { next: next ?? new Map(), stop, total };
  }

  /**
   * What training says comes after a step of radius-1 template `previous` ('' = at the start):
   * how often each next template followed it, how often the mechanism ended there, and the total.
   */
  transitions(previous: string): { next: ReadonlyMap<string, number>; stop: number; total: number } {
    const next = this.follows.get(previous) ?? new Map<string, number>();
    const stop = previous === '' ? 0 : (this.last.get(previous) ?? 0);
    let total = stop;
    for (const n of next.values()) total += n;
    return { next, stop, total };
  }

  get size(): number {
    return this.general.size;
  }

  /** Radius-1 templates and how often each was seen. */
  specificCounts(): ReadonlyMap<string, number> {
    return this.specific;
  }

  /** Plain data for a file (library-file.ts). */
  toJSON(): StepLibraryData {
    return {
      format: STEP_LIBRARY_FORMAT,
      general: [...this.general.values()].map(({ template, count }) => ({ template, count })),
      specific: [...this.specific],
      finer: [...this.finer],
      last: [...this.last],
      follows: [...this.follows].map(([key, next]) => [key, [...next]] as [string, [string, number][]]),
      followsInContext: [...this.followsInContext].map(([key, next]) => [key, [...next]] as [string, [string, number][]]),
      lastInContext: [...this.lastInContext],
    };
  }

  static fromJSON(data: StepLibraryData): StepTemplateLibrary {
    if (data.format !== STEP_LIBRARY_FORMAT) throw new Error(`not a step-template library of format ${STEP_LIBRARY_FORMAT} (got ${String(data.format)})`);
    const library = new StepTemplateLibrary();
    for (const { template, count } of data.general) library.general.set(template.key, { template, count });
    for (const [key, count] of data.specific) library.specific.set(key, count);
    for (const [key, count] of data.finer) library.finer.set(key, count);
    for (const [key, count] of data.last) library.last.set(key, count);
    for (const [key, next] of data.follows) library.follows.set(key, new Map(next));
    for (const [key, next] of data.followsInContext) library.followsInContext.set(key, new Map(next));
    for (const [key, count] of data.lastInContext) library.lastInContext.set(key, count);
    return library;
  }

  /**
   * Every distinct outcome the templates reach from these species, best-precedented first. With the
   * default options the list is kept per species object: a prediction asks for the reactants'
   * candidates to judge its confidence and again as the chain search's first state.
   */
  candidates(species: Species, options: { maxPlacements?: number; minCount?: number } = {}): readonly StepCandidate[] {
    const memo = options.maxPlacements === undefined && options.minCount === undefined;
    const known = memo ? this.candidatesOf.get(species) : undefined;
    if (known) return known;
    const found = this.findCandidates(species, options);
    if (memo) this.candidatesOf.set(species, found);
    return found;
  }

  private findCandidates(species: Species, options: { maxPlacements?: number; minCount?: number }): StepCandidate[] {
    const v = view(species);
    const present = new Set(v.labels);
    const best = new Map<string, StepCandidate>();
    for (const { template, count } of this.general.values()) {
      if (count < (options.minCount ?? 1)) continue;
      if (!template.atoms.every((l) => present.has(l))) continue;
      for (const placement of placements(template, v, options.maxPlacements ?? 500)) {
        const arrows = arrowsAt(template, placement, species);
        let result: Species;
        try {
          result = applyArrows(species, arrows);
        } catch (error) {
          if (error instanceof ElectronMoveError) continue;
          throw error;
        }
        const outcome = canonicalSpecies(result);
        const key = outcome.join('.');
        const specificKey = templateIn(v, species, arrows, 1).key;
        const specificCount = this.specific.get(specificKey) ?? 0;
        const finerKey = specificCount > 0 ? templateIn(v, species, arrows, 2).key : '';
        const finerCount = specificCount > 0 ? (this.finer.get(finerKey) ?? 0) : 0;
        const candidate: StepCandidate = { arrows, result, outcome, specificKey, specificCount, finerCount, generalCount: count, generalKey: template.key, finerKey };
        const known = best.get(key);
        if (!known || byPrecedent(candidate, known) < 0) best.set(key, candidate);
      }
    }
    return [...best.values()].sort(byPrecedent);
  }
}

/** Better first: the more often its specific template was seen, then its finer one, then its general one. */
export function byPrecedent(a: StepCandidate, b: StepCandidate): number {
  return b.specificCount - a.specificCount || b.finerCount - a.finerCount || b.generalCount - a.generalCount;
}
