/**
 * A space that is searched rather than listed: discrete parameters (substances, listed numbers,
 * categories) whose product is never materialised, continuous parameters, and the rules a chemist
 * writes — forbidden combinations, unordered groups, linear constraints, cardinality, conditional
 * parameters. A point is its discrete choice codes and its continuous values. Memory is the
 * parameters' own lists plus one feasible region per pattern of held parameters in use: bounded by
 * the number of distinct choices, never by the size of the product.
 */
import type { LinearConstraint } from '../../campaign/linear-constraint.js';
import type { Rng } from '../../util/random.js';
import { choiceCount, choiceMatcher, type ContinuousParameter, type DiscreteParameter, type Parameter, type ParameterValue } from '../parameters.js';
import { Polytope, type UnitConstraint } from './polytope.js';
import { unitConstraintsOf } from './unit-constraints.js';

export interface MixedPoint {
  /** choice code per discrete parameter (domain.discrete order) */
  codes: Int32Array;
  /** value per continuous parameter (domain.continuous order), in the parameter's units */
  reals: Float64Array;
}

/** A choice of the discrete part, plus which continuous parameters a cardinality rule holds at 0. */
export interface Configuration {
  codes: Int32Array;
  /** continuous indices held at zero by cardinality */
  zeros: readonly number[];
}

export interface MixedRules {
  forbidden?: Record<string, ParameterValue[]>[];
  unordered?: string[][];
  constraints?: LinearConstraint[];
  cardinality?: { parameters: string[]; max_nonzero: number }[];
  activeWhen?: Record<string, Record<string, ParameterValue[]>>;
}

export class DomainError extends Error {}

/** Parameters a conditional rule holds are set to their first choice / their min. */
const HELD_CODE = 0;

export class MixedDomain {
  readonly discrete: DiscreteParameter[] = [];
  readonly continuous: ContinuousParameter[] = [];
  /** for each space parameter: its index in discrete or continuous */
  readonly slots: { kind: 'discrete' | 'continuous'; index: number }[];
  private readonly forbidden: ((codes: ArrayLike<number>) => boolean)[];
  private readonly unordered: number[][];
  private readonly unitConstraints: UnitConstraint[];
  private readonly cardinality: { members: number[]; max: number }[];
  /** parameter slot → test of the discrete codes under which it is active */
  private readonly conditions: { slot: { kind: 'discrete' | 'continuous'; index: number }; active: (codes: ArrayLike<number>) => boolean }[];
  private readonly regions = new Map<string, Polytope | null>();
  private readonly matchers: ((value: ParameterValue) => number)[];

  constructor(
    readonly parameters: readonly Parameter[],
    rules: MixedRules = {},
  ) {
    this.slots = parameters.map((p) => {
      if (p.kind === 'continuous') return { kind: 'continuous' as const, index: this.continuous.push(p) - 1 };
      if (choiceCount(p) === 0) throw new DomainError(`parameter ${p.name} has no values`);
      return { kind: 'discrete' as const, index: this.discrete.push(p) - 1 };
    });
    const slotOf = (name: string, what: string) => {
      const j = parameters.findIndex((p) => p.name === name);
      if (j < 0) throw new DomainError(`${what} names an unknown parameter: ${name}`);
      return this.slots[j]!;
    };
    const discreteIndex = (name: string, what: string) => {
      const slot = slotOf(name, what);
      if (slot.kind !== 'discrete') throw new DomainError(`${what} names ${name}, which is continuous`);
      return slot.index;
    };
    const codeTest = (rule: Record<string, ParameterValue[]>, what: string) => {
      const tests = Object.entries(rule).map(([name, values]) => {
        const d = discreteIndex(name, what);
        const match = choiceMatcher(this.discrete[d]!);
        const allowed = new Set(values.map((v) => {
          const code = match(v);
          if (code < 0) throw new DomainError(`${what} names an unknown value of ${name}: ${String(v)}`);
          return code;
        }));
        return { d, allowed };
      });
      return (codes: ArrayLike<number>) => tests.every(({ d, allowed }) => allowed.has(codes[d] as number));
    };
    this.forbidden = (rules.forbidden ?? []).map((rule) => codeTest(rule, 'a forbidden combination'));
    this.unordered = (rules.unordered ?? []).map((group) => group.map((name) => discreteIndex(name, 'an unordered group')));
    this.unitConstraints = unitConstraintsOf(this.continuous, rules.constraints ?? []);
    this.cardinality = (rules.cardinality ?? []).map((rule) => ({
      members: rule.parameters.map((name) => {
        const slot = slotOf(name, 'a cardinality rule');
        if (slot.kind !== 'continuous') throw new DomainError(`a cardinality rule names ${name}, which is not continuous`);
        return slot.index;
      }),
      max: rule.max_nonzero,
    }));
    this.matchers = this.discrete.map(choiceMatcher);
    this.conditions = Object.entries(rules.activeWhen ?? {}).map(([name, rule]) => ({ slot: slotOf(name, 'active_when'), active: codeTest(rule, `active_when of ${name}`) }));
  }

  /** Combinations of the discrete part before rules remove any (a float: may exceed 2^53). */
  get discreteCombinations(): number {
    return this.discrete.reduce((n, p) => n * choiceCount(p), 1);
  }

  /** Whether the discrete codes break no forbidden rule, keep unordered groups canonical and hold inactive parameters. */
  discreteAllowed(codes: ArrayLike<number>): boolean {
    if (this.forbidden.some((f) => f(codes))) return false;
    for (const group of this.unordered) {
      for (let k = 1; k < group.length; k++) if ((codes[group[k]!] as number) <= (codes[group[k - 1]!] as number)) return false;
    }
    for (const { slot, active } of this.conditions) {
      if (slot.kind === 'discrete' && !active(codes) && codes[slot.index] !== HELD_CODE) return false;
    }
    return true;
  }

  /** Inactive discrete parameters set to their held choice (so two proposals differing only there are one). */
  private holdInactive(codes: Int32Array): Int32Array {
    for (const { slot, active } of this.conditions) if (slot.kind === 'discrete' && !active(codes)) codes[slot.index] = HELD_CODE;
    return codes;
  }

  /** A uniformly drawn allowed choice of the discrete part (rejection; unordered groups drawn as sets). */
  sampleCodes(rng: Rng): Int32Array | null {
    for (let attempt = 0; attempt < 2000; attempt++) {
      const codes = Int32Array.from(this.discrete, (p) => Math.floor(rng() * choiceCount(p)));
      for (const group of this.unordered) {
        const sorted = group.map((d) => codes[d]!).sort((a, b) => a - b);
        group.forEach((d, k) => (codes[d] = sorted[k]!));
      }
      this.holdInactive(codes);
      if (this.discreteAllowed(codes)) return codes;
    }
    return null;
  }

  /** Every allowed discrete choice, when there are at most `limit` combinations to go through; else null. */
  enumerateCodes(limit: number): Int32Array[] | null {
    if (this.discreteCombinations > limit) return null;
    const radices = this.discrete.map(choiceCount);
    const out: Int32Array[] = [];
    const seen = new Set<string>();
    const total = this.discreteCombinations;
    for (let i = 0; i < total; i++) {
      let rest = i;
      const codes = new Int32Array(radices.length);
      for (let d = radices.length - 1; d >= 0; d--) {
        codes[d] = rest % radices[d]!;
        rest = Math.floor(rest / radices[d]!);
      }
      this.holdInactive(codes);
      const key = codes.join(',');
      if (seen.has(key) || !this.discreteAllowed(codes)) continue;
      seen.add(key);
      out.push(codes);
    }
    return out;
  }

  /** The allowed choices one discrete parameter away (local moves of the search over a large product). */
  neighbours(codes: Int32Array): Int32Array[] {
    const out: Int32Array[] = [];
    const seen = new Set<string>([codes.join(',')]);
    this.discrete.forEach((p, d) => {
      for (let c = 0; c < choiceCount(p); c++) {
        if (c === codes[d]) continue;
        const next = Int32Array.from(codes);
        next[d] = c;
        for (const group of this.unordered) {
          if (!group.includes(d)) continue;
          const sorted = group.map((g) => next[g]!).sort((a, b) => a - b);
          group.forEach((g, k) => (next[g] = sorted[k]!));
        }
        this.holdInactive(next);
        const key = next.join(',');
        if (seen.has(key) || !this.discreteAllowed(next)) continue;
        seen.add(key);
        out.push(next);
      }
    });
    return out;
  }

  /** Which continuous parameters each cardinality rule may leave non-zero: a random subset of max_nonzero of its members. */
  sampleZeros(rng: Rng): number[] {
    const zeros: number[] = [];
    for (const rule of this.cardinality) {
      if (rule.members.length <= rule.max) continue;
      const order = [...rule.members].sort(() => rng() - 0.5);
      zeros.push(...order.slice(rule.max));
    }
    return zeros;
  }

  /** The zero pattern a point's continuous values show (members of an over-full rule at 0), or null when a rule is broken. */
  zerosOf(reals: ArrayLike<number>): number[] | null {
    const zeros: number[] = [];
    for (const rule of this.cardinality) {
      const nonzero = rule.members.filter((c) => (reals[c] as number) !== 0);
      if (nonzero.length > rule.max) return null;
      // the rule holds every member that is zero; with fewer non-zero than allowed some zeros are free, which is the same region or a part of it
      zeros.push(...rule.members.filter((c) => (reals[c] as number) === 0).slice(0, rule.members.length - rule.max));
    }
    return zeros;
  }

  /** Continuous parameters held at min because a conditional rule leaves them inactive under these codes. */
  heldContinuous(codes: ArrayLike<number>): number[] {
    return this.conditions.filter(({ slot, active }) => slot.kind === 'continuous' && !active(codes)).map(({ slot }) => slot.index);
  }

  /** The feasible region of the continuous part under a configuration, or null when it has no point. */
  region(configuration: Configuration): Polytope | null {
    const fixed = new Map<number, number>();
    for (const c of this.heldContinuous(configuration.codes)) fixed.set(c, 0);
    for (const c of configuration.zeros) fixed.set(c, this.toUnit(c, 0));
    const key = [...fixed].sort((a, b) => a[0] - b[0]).map(([d, v]) => `${d}:${v}`).join(',');
    let region = this.regions.get(key);
    if (region === undefined) {
      try {
        region = new Polytope(this.continuous.length, this.unitConstraints, fixed);
      } catch {
        region = null;
      }
      this.regions.set(key, region);
    }
    return region;
  }

  /** Unit coordinate of a continuous value (log scale where asked). */
  toUnit(c: number, value: number): number {
    const p = this.continuous[c]!;
    if (p.log) return (Math.log(value) - Math.log(p.min)) / (Math.log(p.max) - Math.log(p.min));
    return (value - p.min) / (p.max - p.min);
  }

  fromUnit(c: number, u: number): number {
    const p = this.continuous[c]!;
    const t = Math.min(1, Math.max(0, u));
    if (p.log) return Math.exp(Math.log(p.min) + t * (Math.log(p.max) - Math.log(p.min)));
    return p.min + t * (p.max - p.min);
  }

  /** The step proposals are rounded to: the file's resolution, else a power of ten about 10⁻⁵ of the range. */
  quantum(c: number): number {
    const p = this.continuous[c]!;
    return p.resolution ?? 10 ** Math.floor(Math.log10((p.max - p.min) * 1e-5));
  }

  private roundOne(c: number, value: number, direction: 'nearest' | 'down' | 'up'): number {
    const p = this.continuous[c]!;
    const q = this.quantum(c);
    const k = (value - p.min) / q;
    const steps = direction === 'nearest' ? Math.round(k) : direction === 'down' ? Math.floor(k + 1e-9) : Math.ceil(k - 1e-9);
    const rounded = Math.min(p.max, Math.max(p.min, p.min + steps * q));
    // 12 significant digits: 0.30000000000000004 back to 0.3, so values read as written
    return Number(rounded.toPrecision(12));
  }

  /**
   * Continuous values (unit coordinates of a region's point) rounded to each parameter's step, kept
   * inside the region: nearest first, then the floor/ceiling combinations of the parameters the
   * constraints involve, closest first. null when no rounding is feasible.
   */
  roundInto(u: ArrayLike<number>, configuration: Configuration, region: Polytope): Float64Array | null {
    const values = Float64Array.from({ length: this.continuous.length }, (_, c) => this.roundOne(c, this.fromUnit(c, u[c] as number), 'nearest'));
    const held = new Set([...this.heldContinuous(configuration.codes), ...configuration.zeros]);
    for (const c of held) values[c] = this.heldValue(c, configuration);
    if (this.regionContains(region, values)) return values;
    const involved = this.continuous.map((_, c) => c).filter((c) => !held.has(c) && this.unitConstraints.some((k) => k.coefficients[c] !== 0)).slice(0, 12);
    let best: Float64Array | null = null;
    let bestDistance = Infinity;
    for (let mask = 0; mask < 1 << involved.length; mask++) {
      const trial = Float64Array.from(values);
      involved.forEach((c, k) => (trial[c] = this.roundOne(c, this.fromUnit(c, u[c] as number), mask & (1 << k) ? 'up' : 'down')));
      if (!this.regionContains(region, trial)) continue;
      let distance = 0;
      for (const c of involved) distance += (this.toUnit(c, trial[c]!) - (u[c] as number)) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = trial;
      }
    }
    return best;
  }

  private heldValue(c: number, configuration: Configuration): number {
    return configuration.zeros.includes(c) ? 0 : this.continuous[c]!.min;
  }

  regionContains(region: Polytope, values: ArrayLike<number>): boolean {
    return region.containsUnit(Float64Array.from({ length: this.continuous.length }, (_, c) => this.toUnit(c, values[c] as number)));
  }

  /** Why a point is not in the space, or null when it is: every rule, every bound. */
  violation(point: MixedPoint): string | null {
    for (let d = 0; d < this.discrete.length; d++) {
      const code = point.codes[d]!;
      if (!(code >= 0 && code < choiceCount(this.discrete[d]!))) return `${this.discrete[d]!.name} has no choice #${code}`;
    }
    if (!this.discreteAllowed(point.codes)) return 'the combination of choices is forbidden (or a conditional parameter is not at its held choice)';
    for (let c = 0; c < this.continuous.length; c++) {
      const p = this.continuous[c]!;
      const x = point.reals[c]!;
      if (!Number.isFinite(x) || x < p.min - 1e-12 * Math.abs(p.min) || x > p.max + 1e-12 * Math.abs(p.max)) return `${p.name} ${x} is outside its range ${p.min} to ${p.max}`;
    }
    for (const c of this.heldContinuous(point.codes)) {
      if (point.reals[c] !== this.continuous[c]!.min) return `${this.continuous[c]!.name} is inactive for these choices and held at its min (${this.continuous[c]!.min})`;
    }
    const zeros = this.zerosOf(point.reals);
    if (zeros === null) return 'more parameters are non-zero than a cardinality rule allows';
    const region = this.region({ codes: point.codes, zeros });
    if (!region || !this.regionContains(region, point.reals)) return 'a linear constraint is not met';
    return null;
  }

  /** The point's values by parameter, in space order. */
  values(point: MixedPoint): ParameterValue[] {
    return this.parameters.map((p, j) => {
      const slot = this.slots[j]!;
      if (slot.kind === 'continuous') return point.reals[slot.index]!;
      const q = p as DiscreteParameter;
      const code = point.codes[slot.index]!;
      return q.kind === 'substance' ? q.choices[code]!.name : q.values[code]!;
    });
  }

  /** A point from values in space order (a stored key); null when a value names no choice or is not a number. */
  pointOf(values: readonly unknown[]): MixedPoint | null {
    if (values.length !== this.parameters.length) return null;
    const codes = new Int32Array(this.discrete.length);
    const reals = new Float64Array(this.continuous.length);
    for (const [j, slot] of this.slots.entries()) {
      const value = values[j];
      if (slot.kind === 'continuous') {
        const x = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (!Number.isFinite(x)) return null;
        reals[slot.index] = x;
      } else {
        if (typeof value !== 'string' && typeof value !== 'number') return null;
        const code = this.matchers[slot.index]!(value);
        if (code < 0) return null;
        codes[slot.index] = code;
      }
    }
    return { codes, reals };
  }
}
