/**
 * The objective's fields for several targets (Pareto, desirability), outcome constraints and cost,
 * and the rules one objective object can check on its own. schema.ts composes them into
 * `objective`; cross-references (a target the lab does not report, a constraint on an unknown
 * target) are checked in objective-checks.ts.
 *
 * The output keeps `target` and `direction` filled for every objective (the first Pareto target;
 * "desirability" for a desirability objective), so the many readers of a single target keep
 * working, and writing a spec back to YAML and reading it again gives the same spec.
 */
import { z } from 'zod';
import type { CostSpec, DesirabilityTargetSpec, Direction, ObjectiveSpec, OutcomeConstraintSpec, ParetoTargetSpec } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = z.string().regex(IDENTIFIER, 'must be an identifier (letters, digits and _, not starting with a digit)');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const direction = z.enum(['maximize', 'minimize']);
const bounds = z
  .tuple([finite, finite], { error: 'must be [low, high]' })
  .refine(([lo, hi]) => lo < hi, 'low must be less than high');

/** The target name a desirability objective optimises (never a measured quantity). */
export const DESIRABILITY_TARGET = 'desirability';

export const paretoTargetSchema = z.strictObject({
  target: identifier,
  direction: direction.default('maximize'),
  unit: z.string().optional(),
  bounds: bounds.optional(),
});

export const desirabilityTargetSchema = z
  .strictObject({
    target: identifier,
    direction: direction.default('maximize'),
    low: finite.optional().describe('maximize: d = 0 at or below; minimize: d = 1 at or below'),
    high: finite.optional().describe('maximize: d = 1 at or above; minimize: d = 0 at or above'),
    match: finite.optional().describe('The value to match: d = 1 there, falling to 0 at match ± tolerance'),
    tolerance: finite.optional(),
    weight: finite.default(1).describe('Weight in the geometric mean; must be > 0'),
    exponent: finite.optional(),
    unit: z.string().optional(),
  })
  .superRefine((t, ctx) => {
    if (!(t.weight > 0)) ctx.addIssue({ code: 'custom', path: ['weight'], message: `must be greater than 0 (got ${t.weight})` });
    if (t.exponent !== undefined && !(t.exponent > 0)) ctx.addIssue({ code: 'custom', path: ['exponent'], message: 'must be greater than 0' });
    if (t.tolerance !== undefined && t.match === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tolerance'], message: 'a tolerance needs a value to match: give match' });
    }
    if (t.match !== undefined) {
      if (t.tolerance === undefined) ctx.addIssue({ code: 'custom', path: ['match'], message: 'give tolerance: how far from match the desirability falls to 0' });
      else if (!(t.tolerance > 0)) ctx.addIssue({ code: 'custom', path: ['tolerance'], message: 'must be greater than 0' });
      for (const k of ['low', 'high'] as const) {
        if (t[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'give match and tolerance, or low and high, not both' });
      }
      return;
    }
    for (const k of ['low', 'high'] as const) {
      if (t[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'required (or match and tolerance)' });
    }
    if (t.low !== undefined && t.high !== undefined && !(t.low < t.high)) {
      ctx.addIssue({ code: 'custom', path: ['high'], message: `must be greater than low (${t.low})` });
    }
  });

const CONSTRAINT_TEXT = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|≤|≥)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

const constraintObject = z.strictObject({
  target: identifier,
  operator: z.enum(['<=', '>=']),
  bound: finite,
});

/** `impurity <= 2` as text, or { target, operator, bound }. */
export const outcomeConstraintSchema = z.union([z.string(), constraintObject], { error: 'must be "target <= limit", "target >= limit" or { target, operator, bound }' })
  .transform((c, ctx): OutcomeConstraintSpec => {
    if (typeof c !== 'string') return c;
    const m = CONSTRAINT_TEXT.exec(c);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `"${c}" is not a constraint: write "target <= limit" or "target >= limit" (e.g. "impurity <= 2")` });
      return z.NEVER;
    }
    const operator = m[2] === '<=' || m[2] === '≤' ? '<=' : '>=';
    return { target: m[1] as string, operator, bound: Number(m[3]) };
  });

const nonNegative = finite.refine((v) => v >= 0, 'must not be negative');

export const costSchema = z.strictObject({
  per_experiment: nonNegative.default(0),
  per_choice: z.record(identifier, z.record(z.string(), nonNegative)).default({}),
  exponent: nonNegative.default(1),
}).superRefine((c, ctx) => {
  const anyCost = c.per_experiment > 0 || Object.values(c.per_choice).some((t) => Object.values(t).some((v) => v > 0));
  if (!anyCost) ctx.addIssue({ code: 'custom', message: 'give per_experiment or per_choice costs above 0' });
});

/** The fields every objective may have, several-target ones optional (`target` too, then). */
export const objectiveFields = {
  target: identifier.optional(),
  direction: direction.optional(),
  bounds: bounds.optional(),
  unit: z.string().optional(),
  goal: finite.optional(),
  match: finite.optional().describe('One target: the value to match (best at it, worse the further away either way); give tolerance'),
  tolerance: finite.optional().describe('With match: how close counts as matched (|value − match| ≤ tolerance); the campaign stops once a result is'),
  pareto: z.array(paretoTargetSchema).optional().describe('Several targets traded off as a Pareto front, each with its direction'),
  desirability: z.array(desirabilityTargetSchema).optional().describe('Several targets combined into one desirability in [0, 1]'),
  constraints: z.array(outcomeConstraintSchema).optional().describe('Limits on measured quantities, e.g. "impurity <= 2"'),
  cost: costSchema.optional().describe('What an experiment costs: the planner weighs improvement per unit cost'),
};

type ObjectiveInput = {
  target?: string | undefined;
  direction?: Direction | undefined;
  bounds?: [number, number] | undefined;
  unit?: string | undefined;
  goal?: number | undefined;
  match?: number | undefined;
  tolerance?: number | undefined;
  pareto?: ParetoTargetSpec[] | undefined;
  desirability?: DesirabilityTargetSpec[] | undefined;
  constraints?: OutcomeConstraintSpec[] | undefined;
  cost?: CostSpec | undefined;
};

/** What one objective object can check on its own. */
export function refineObjective(o: ObjectiveInput, ctx: z.RefinementCtx): void {
  const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (o.pareto !== undefined && o.desirability !== undefined) {
    add(['desirability'], 'give pareto or desirability, not both');
    return;
  }
  const list = o.pareto ?? o.desirability;
  if (o.match !== undefined || o.tolerance !== undefined) refineMatch(o, list !== undefined, add);
  if (list === undefined) {
    if (o.target === undefined) add(['target'], 'required field is missing');
    return;
  }
  const field = o.pareto !== undefined ? 'pareto' : 'desirability';
  if (list.length < 2) add([field], `list at least two targets (one target: objective.target)`);
  const seen = new Map<string, Direction>();
  list.forEach((t, i) => {
    const earlier = seen.get(t.target);
    if (earlier !== undefined) {
      add([field, i, 'target'], earlier === t.direction
        ? `"${t.target}" is listed twice`
        : `conflicting directions for "${t.target}": ${earlier} and ${t.direction}`);
    }
    seen.set(t.target, t.direction);
  });
  const first = list[0];
  if (first === undefined) return;
  // A spec written back to a file carries the summary target; it must agree with the list.
  const primary = field === 'pareto' ? first.target : DESIRABILITY_TARGET;
  const primaryDirection: Direction = field === 'pareto' ? first.direction : 'maximize';
  if (o.target !== undefined && o.target !== primary) {
    add(['target'], field === 'pareto'
      ? `with pareto, target is the first of the list ("${primary}") or left out`
      : `with desirability, target is "${DESIRABILITY_TARGET}" or left out`);
  }
  if (o.direction !== undefined && o.direction !== primaryDirection) {
    add(['direction'], `conflicting directions for "${primary}": ${o.direction} here, ${primaryDirection} in ${field}`);
  }
  if (field === 'desirability' && o.bounds !== undefined && (o.bounds[0] !== 0 || o.bounds[1] !== 1)) {
    add(['bounds'], 'a desirability lies in [0, 1]: leave bounds out');
  }
  if (field === 'pareto' && o.goal !== undefined) add(['goal'], 'a Pareto objective has no single goal: leave goal out');
}

/**
 * `match` and `tolerance` (one target matched to a value): both or neither, tolerance > 0, no
 * minimise direction (`maximize` is what a spec written back carries), no separate goal.
 */
function refineMatch(o: ObjectiveInput, several: boolean, add: (path: (string | number)[], message: string) => void): void {
  if (several) {
    add([o.match !== undefined ? 'match' : 'tolerance'], 'match and tolerance are for one target: with several, give match and tolerance on a desirability target');
    return;
  }
  if (o.match === undefined) add(['tolerance'], 'a tolerance needs a value to match: give match');
  else if (o.tolerance === undefined) add(['match'], 'give tolerance: how close to match counts as matched');
  else if (!(o.tolerance > 0)) add(['tolerance'], `must be greater than 0 (got ${o.tolerance})`);
  if (o.match !== undefined && o.direction === 'minimize') add(['direction'], 'conflicting directions: match has none (closer to the value is better); leave direction out');
  if (o.match !== undefined && o.goal !== undefined) add(['goal'], 'with match, the tolerance is the goal: leave goal out');
}

/** The validated objective, with `target`/`direction` naming the summary target. */
export function normaliseObjective(o: ObjectiveInput): ObjectiveSpec {
  const rest = {
    ...(o.constraints !== undefined ? { constraints: o.constraints } : {}),
    ...(o.cost !== undefined ? { cost: o.cost } : {}),
  };
  if (o.pareto !== undefined) {
    const first = o.pareto[0] as ParetoTargetSpec;
    return {
      target: first.target,
      direction: first.direction,
      ...(first.bounds !== undefined ? { bounds: first.bounds } : {}),
      ...(first.unit !== undefined ? { unit: first.unit } : {}),
      pareto: o.pareto,
      ...rest,
    };
  }
  if (o.desirability !== undefined) {
    return {
      target: DESIRABILITY_TARGET,
      direction: 'maximize',
      bounds: [0, 1],
      ...(o.goal !== undefined ? { goal: o.goal } : {}),
      desirability: o.desirability,
      ...rest,
    };
  }
  return {
    target: o.target as string,
    direction: o.direction ?? 'maximize',
    ...(o.bounds !== undefined ? { bounds: o.bounds } : {}),
    ...(o.unit !== undefined ? { unit: o.unit } : {}),
    ...(o.goal !== undefined ? { goal: o.goal } : {}),
    ...(o.match !== undefined && o.tolerance !== undefined ? { match: o.match, tolerance: o.tolerance } : {}),
    ...rest,
  };
}

/** Every measured quantity the objective names: its targets, then constrained ones. */
export function objectiveQuantities(o: ObjectiveSpec): string[] {
  const targets = o.pareto?.map((t) => t.target) ?? o.desirability?.map((t) => t.target) ?? [o.target];
  const out = [...targets];
  for (const c of o.constraints ?? []) if (!out.includes(c.target)) out.push(c.target);
  return out;
}

/** The quantities the objective optimises (not constraints): the Pareto or desirability list, or its one target. */
export function objectiveTargets(o: ObjectiveSpec): string[] {
  return o.pareto?.map((t) => t.target) ?? o.desirability?.map((t) => t.target) ?? [o.target];
}
