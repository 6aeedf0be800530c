/**
 * A search space enumerated into candidates: the full grid of its parameters minus forbidden
 * combinations, or the rows of a scope table. Candidates are stored as a flat array of choice codes
 * (one Int32 per parameter) so that spaces of a million points stay small.
 */
import type { LinearConstraint } from '../campaign/linear-constraint.js';
import { MixedDomain, type MixedPoint } from './mixed/domain.js';
import { choiceCount, choiceMatcher, valueAt, type Parameter, type ParameterValue } from './parameters.js';
import { SpaceError } from './space-error.js';

/** Each a map parameter → the values that, all together, make a candidate forbidden. */
export type ForbiddenCombination = Record<string, ParameterValue[]>;

export interface ScopeTable {
  rows: Record<string, string>[];
  /** parameter → column of the table */
  columns: Record<string, string>;
  /** For messages: where the table came from. */
  source: string;
}

export interface SpaceDefinition {
  parameters: Parameter[];
  forbidden?: ForbiddenCombination[];
  scope?: ScopeTable;
  /**
   * Groups of substance parameters that draw from one inventory (identical choices): a candidate
   * is a set of reagents, so within a group the order does not matter and no reagent appears
   * twice. Kept in canonical form: choice codes strictly increasing along the group.
   */
  unordered?: string[][];
  /** Rules over continuous parameters (searched spaces only, src/planner/mixed/domain.ts). */
  constraints?: LinearConstraint[];
  cardinality?: { parameters: string[]; max_nonzero: number }[];
  activeWhen?: Record<string, Record<string, ParameterValue[]>>;
  /** false: never list the discrete product; the space is searched (as one with a continuous parameter always is). */
  enumerate?: false;
}

export { SpaceError };

/** The largest space enumerated explicitly; beyond it a campaign needs a sampling planner. */
export const MAX_CANDIDATES = 2_000_000;

export class SearchSpace {
  readonly parameters: readonly Parameter[];
  /**
   * Set when the space is searched rather than listed (a continuous parameter, or enumerate:
   * false): candidates are then the points registered so far — proposed by the mixed planner or
   * read back from stored experiments — and grow as the campaign goes.
   */
  readonly domain?: MixedDomain;
  private readonly points: MixedPoint[] = [];
  private readonly listedSize: number = 0;
  /** Rows of the scope table that matched no choice, or were forbidden, with the reason. */
  readonly skippedScopeRows: { row: number; reason: string }[] = [];
  private readonly codes: Int32Array;
  private readonly keyIndex = new Map<string, number>();
  private readonly matchers: ((value: ParameterValue) => number)[];
  /** Parameter indices of each unordered group. */
  readonly unordered: readonly (readonly number[])[];

  constructor(definition: SpaceDefinition) {
    this.parameters = definition.parameters;
    if (this.parameters.length === 0) throw new SpaceError('the search space has no parameters');
    if (definition.enumerate === false || this.parameters.some((p) => p.kind === 'continuous')) {
      this.domain = new MixedDomain(this.parameters, {
        ...(definition.forbidden ? { forbidden: definition.forbidden } : {}),
        ...(definition.unordered ? { unordered: definition.unordered } : {}),
        ...(definition.constraints ? { constraints: definition.constraints } : {}),
        ...(definition.cardinality ? { cardinality: definition.cardinality } : {}),
        ...(definition.activeWhen ? { activeWhen: definition.activeWhen } : {}),
      });
      if (definition.scope) throw new SpaceError('a searched space (continuous parameters) cannot be given as a scope table');
      this.unordered = [];
      this.matchers = [];
      this.codes = new Int32Array(0);
      return;
    }
    for (const p of this.parameters) {
      if (choiceCount(p) === 0) throw new SpaceError(`parameter ${p.name} has no values`);
    }
    this.unordered = (definition.unordered ?? []).map((group) =>
      group.map((name) => {
        const j = this.parameters.findIndex((p) => p.name === name);
        if (j < 0) throw new SpaceError(`an unordered group names an unknown parameter: ${name}`);
        return j;
      }),
    );
    this.matchers = this.parameters.map(choiceMatcher);
    const forbidden = (definition.forbidden ?? []).map((f) => this.compileForbidden(f));
    const codes = definition.scope
      ? this.enumerateScope(definition.scope, forbidden)
      : this.enumerateGrid(forbidden);
    this.codes = codes;
    this.listedSize = codes.length / this.parameters.length;
    if (this.size === 0) throw new SpaceError('the search space is empty: every combination is forbidden or unmatched');
    for (let i = 0; i < this.size; i++) this.keyIndex.set(this.keyOf(i), i);
  }

  /** Candidates: every listed one, or the points a searched space has registered so far. */
  get size(): number {
    return this.domain ? this.points.length : this.listedSize;
  }

  get width(): number {
    return this.parameters.length;
  }

  code(candidate: number, parameter: number): number {
    if (this.domain) {
      const slot = this.domain.slots[parameter]!;
      if (slot.kind === 'continuous') throw new SpaceError(`parameter ${this.parameters[parameter]!.name} is continuous: it has no choice code`);
      return this.points[candidate]!.codes[slot.index]!;
    }
    return this.codes[candidate * this.width + parameter] as number;
  }

  private valueList(candidate: number): ParameterValue[] {
    if (this.domain) {
      const point = this.points[candidate];
      if (!point) throw new RangeError(`the space has no candidate #${candidate}`);
      return this.domain.values(point);
    }
    return this.parameters.map((p, j) => valueAt(p, this.code(candidate, j)));
  }

  valuesOf(candidate: number): Record<string, ParameterValue> {
    const values = this.valueList(candidate);
    const out: Record<string, ParameterValue> = {};
    this.parameters.forEach((p, j) => {
      out[p.name] = values[j] as ParameterValue;
    });
    return out;
  }

  /** Role → canonical SMILES of the chosen substance ('' = none). */
  substancesOf(candidate: number): Record<string, string> {
    const out: Record<string, string> = {};
    this.parameters.forEach((p, j) => {
      if (p.kind === 'substance') out[p.name] = p.choices[this.code(candidate, j)]?.smiles ?? '';
    });
    return out;
  }

  /** A stable, readable identity of a candidate: its values in parameter order. */
  keyOf(candidate: number): string {
    return keyOfValues(this.valueList(candidate));
  }

  /**
   * The candidate a key names. A searched space registers a key it has not seen when it names a
   * point of the space (a stored experiment read back after a restart), so every experiment the
   * campaign ran has its index.
   */
  indexOfKey(key: string): number | undefined {
    const known = this.keyIndex.get(key);
    if (known !== undefined || !this.domain) return known;
    let values: unknown;
    try {
      values = JSON.parse(key);
    } catch {
      return undefined;
    }
    if (!Array.isArray(values)) return undefined;
    const point = this.domain.pointOf(values);
    if (!point || this.domain.violation(point) !== null) return undefined;
    return this.register(point);
  }

  /** A searched space's candidate for a point (registered when new); throws when the point breaks a rule or bound. */
  register(point: MixedPoint): number {
    if (!this.domain) throw new SpaceError('only a searched space registers points');
    const key = keyOfValues(this.domain.values(point));
    const known = this.keyIndex.get(key);
    if (known !== undefined) return known;
    const problem = this.domain.violation(point);
    if (problem) throw new SpaceError(`not a point of the space: ${problem}`);
    this.points.push({ codes: Int32Array.from(point.codes), reals: Float64Array.from(point.reals) });
    this.keyIndex.set(key, this.points.length - 1);
    return this.points.length - 1;
  }

  /** What a point of a searched space is, as valuesOf and substancesOf tell a candidate. */
  describePoint(point: MixedPoint): { values: Record<string, ParameterValue>; substances: Record<string, string> } {
    if (!this.domain) throw new SpaceError('only a searched space has points');
    const list = this.domain.values(point);
    const values: Record<string, ParameterValue> = {};
    const substances: Record<string, string> = {};
    this.parameters.forEach((p, j) => {
      values[p.name] = list[j] as ParameterValue;
      if (p.kind === 'substance') substances[p.name] = p.choices[point.codes[this.domain!.slots[j]!.index]!]?.smiles ?? '';
    });
    return { values, substances };
  }

  /** A searched space's candidate as its choice codes and continuous values. */
  pointOf(candidate: number): MixedPoint {
    const point = this.points[candidate];
    if (!point) throw new RangeError(`the space has no registered candidate #${candidate}`);
    return point;
  }

  /**
   * The candidate key a table row describes (parameter → column), whether or not the candidate is
   * in this space; null when a cell matches no choice. Used to index dataset-backed simulators.
   */
  keyOfRow(row: Record<string, string>, columns: Record<string, string>): string | null {
    if (this.domain) {
      const values = this.parameters.map((p) => {
        const column = columns[p.name];
        if (column === undefined) throw new SpaceError(`no table column is given for parameter ${p.name}`);
        return row[column];
      });
      const point = this.domain.pointOf(values);
      return point ? keyOfValues(this.domain.values(point)) : null;
    }
    const codes = this.rowCodes(row, columns);
    return codes ? keyOfValues(codes.map((c, j) => valueAt(this.parameters[j] as Parameter, c))) : null;
  }

  private rowCodes(row: Record<string, string>, columns: Record<string, string>): number[] | null {
    const codes: number[] = [];
    for (const [j, p] of this.parameters.entries()) {
      const column = columns[p.name];
      if (column === undefined) throw new SpaceError(`no table column is given for parameter ${p.name}`);
      const cell = row[column];
      if (cell === undefined) return null;
      const code = (this.matchers[j] as (value: ParameterValue) => number)(cell);
      if (code < 0) return null;
      codes.push(code);
    }
    // a table may list a group's reagents in any order: the candidate is the sorted set
    for (const group of this.unordered) {
      const sorted = group.map((j) => codes[j] as number).sort((a, b) => a - b);
      group.forEach((j, k) => {
        codes[j] = sorted[k] as number;
      });
    }
    return codes;
  }

  /** Within each unordered group, codes strictly increase (no reagent twice, one order per set). */
  private canonicalSet(codes: ArrayLike<number>): boolean {
    for (const group of this.unordered) {
      for (let k = 1; k < group.length; k++) if ((codes[group[k] as number] as number) <= (codes[group[k - 1] as number] as number)) return false;
    }
    return true;
  }

  private compileForbidden(combination: ForbiddenCombination): (codes: ArrayLike<number>) => boolean {
    const tests = Object.entries(combination).map(([name, values]) => {
      const j = this.parameters.findIndex((p) => p.name === name);
      const parameter = this.parameters[j];
      if (!parameter) throw new SpaceError(`a forbidden combination names an unknown parameter: ${name}`);
      const match = this.matchers[j] as (value: ParameterValue) => number;
      const allowed = new Set(
        values.map((v) => {
          const code = match(v);
          if (code < 0) throw new SpaceError(`a forbidden combination names an unknown value of ${name}: ${String(v)}`);
          return code;
        }),
      );
      return { j, allowed };
    });
    return (codes) => tests.every(({ j, allowed }) => allowed.has(codes[j] as number));
  }

  private enumerateGrid(forbidden: ((codes: ArrayLike<number>) => boolean)[]): Int32Array {
    const radices = this.parameters.map(choiceCount);
    const total = radices.reduce((a, b) => a * b, 1);
    if (total > MAX_CANDIDATES) {
      throw new SpaceError(
        `the search space has ${total.toLocaleString('en')} combinations, more than the ${MAX_CANDIDATES.toLocaleString('en')} Athanor enumerates; ` +
          'narrow a parameter or give the space as a scope table',
      );
    }
    const width = radices.length;
    const out = new Int32Array(total * width);
    const current = new Int32Array(width);
    let n = 0;
    for (let i = 0; i < total; i++) {
      // mixed-radix counter, last parameter fastest
      let rest = i;
      for (let j = width - 1; j >= 0; j--) {
        const radix = radices[j] as number;
        current[j] = rest % radix;
        rest = Math.floor(rest / radix);
      }
      if (forbidden.some((f) => f(current)) || !this.canonicalSet(current)) continue;
      out.set(current, n * width);
      n++;
    }
    return out.slice(0, n * width);
  }

  private enumerateScope(scope: ScopeTable, forbidden: ((codes: ArrayLike<number>) => boolean)[]): Int32Array {
    const width = this.parameters.length;
    const out = new Int32Array(scope.rows.length * width);
    const seen = new Set<string>();
    let n = 0;
    scope.rows.forEach((row, r) => {
      const codes = this.rowCodes(row, scope.columns);
      if (!codes) {
        this.skippedScopeRows.push({ row: r + 2, reason: 'a cell matches no choice of its parameter' });
        return;
      }
      if (forbidden.some((f) => f(codes))) {
        this.skippedScopeRows.push({ row: r + 2, reason: 'forbidden combination' });
        return;
      }
      if (!this.canonicalSet(codes)) {
        this.skippedScopeRows.push({ row: r + 2, reason: 'the same reagent twice in an unordered group' });
        return;
      }
      const key = codes.join(',');
      if (seen.has(key)) return; // replicate rows of a table describe one candidate
      seen.add(key);
      out.set(codes, n * width);
      n++;
    });
    return out.slice(0, n * width);
  }
}

export function keyOfValues(values: ParameterValue[]): string {
  return JSON.stringify(values);
}
