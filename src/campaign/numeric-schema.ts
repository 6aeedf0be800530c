/**
 * The campaign file's numeric parameters (a list of values, a stepped range, or a continuous range
 * {min, max} with an optional resolution and log scale) and the space's rules over continuous
 * parameters: linear constraints, cardinality and conditional (dependent) parameters. Only what a
 * field can check on its own lives here; rules naming parameters are checked against the space in
 * continuous-checks.ts.
 */
import { z } from 'zod';
import { parseLinearConstraint } from './linear-constraint.js';
import { expandRange, MAX_RANGE_VALUES, rangeCount } from './schema.js';
import type { NumericParameterSpec } from './types.js';

interface NumericInput {
  values?: number[] | undefined;
  min?: number | undefined;
  max?: number | undefined;
  step?: number | undefined;
  resolution?: number | undefined;
  log?: boolean | undefined;
  unit?: string | undefined;
}

export function refineNumericParameter(p: NumericInput, ctx: z.RefinementCtx): void {
  const range = p.min !== undefined || p.max !== undefined || p.step !== undefined;
  if (p.values !== undefined && range) {
    ctx.addIssue({ code: 'custom', message: 'give either values or min/max (with step for a grid), not both' });
    return;
  }
  const continuous = p.values === undefined && p.step === undefined;
  for (const k of ['resolution', 'log'] as const) {
    if (p[k] !== undefined && !continuous) ctx.addIssue({ code: 'custom', path: [k], message: 'applies to a continuous range only (min and max without step or values)' });
  }
  if (p.values !== undefined) return;
  if (!range) {
    ctx.addIssue({ code: 'custom', message: 'give values: [...], min and max (continuous) or min, max and step (a grid)' });
    return;
  }
  for (const k of ['min', 'max'] as const) {
    if (p[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: continuous ? 'required for a continuous range (min and max)' : 'required for a range (min, max and step)' });
  }
  if (p.min === undefined || p.max === undefined) return;
  if (continuous) {
    if (p.min >= p.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be greater than min (${p.min}) for a continuous range` });
    else if (p.resolution !== undefined && p.resolution <= 0) ctx.addIssue({ code: 'custom', path: ['resolution'], message: 'must be greater than 0' });
    else if (p.resolution !== undefined && p.resolution > p.max - p.min) {
      ctx.addIssue({ code: 'custom', path: ['resolution'], message: `is larger than the range (${p.max - p.min})` });
    }
    if (p.log === true && p.min <= 0) ctx.addIssue({ code: 'custom', path: ['min'], message: 'must be greater than 0 on a log scale' });
    return;
  }
  const step = p.step as number;
  if (step <= 0) ctx.addIssue({ code: 'custom', path: ['step'], message: 'must be greater than 0' });
  else if (p.max < p.min) ctx.addIssue({ code: 'custom', path: ['max'], message: `must not be less than min (${p.min})` });
  else {
    const count = rangeCount(p.min, p.max, step);
    if (count > MAX_RANGE_VALUES) {
      ctx.addIssue({ code: 'custom', path: ['step'], message: `the range gives ${count} values, more than the limit of ${MAX_RANGE_VALUES}` });
    }
  }
}

export function normaliseNumericParameter(p: NumericInput): NumericParameterSpec {
  const unit = p.unit === undefined ? {} : { unit: p.unit };
  if (p.values === undefined && p.step === undefined) {
    return {
      min: p.min ?? 0,
      max: p.max ?? 0,
      ...(p.resolution !== undefined ? { resolution: p.resolution } : {}),
      ...(p.log === true ? { log: true } : {}),
      ...unit,
    };
  }
  return { values: p.values ?? expandRange(p.min ?? 0, p.max ?? 0, p.step ?? 1), ...unit };
}

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier (letters, digits and _, not starting with a digit)');
const ruleValue = z.union([z.string(), z.number()]);

/** Fields of `space` for continuous and mixed spaces (merged into the space schema). */
export const continuousSpaceFields = {
  constraints: z
    .array(
      z.string().superRefine((text, ctx) => {
        try {
          parseLinearConstraint(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
    )
    .optional()
    .describe('Linear constraints over continuous parameters, as a chemist writes them: "water + ethanol + dmso == 1", "equiv_base >= 1.5 * equiv_acid"'),
  cardinality: z
    .array(
      z.strictObject({
        parameters: z.array(identifier).min(2, 'a cardinality rule needs at least two parameters'),
        max_nonzero: z.int().nonnegative(),
      }),
    )
    .optional()
    .describe('At most max_nonzero of these continuous parameters are non-zero in a proposal'),
  active_when: z
    .record(identifier, z.record(identifier, z.union([ruleValue, z.array(ruleValue).min(1, 'must list at least one choice')])))
    .optional()
    .describe('Conditional parameters: parameter → the choices of other parameters for which it matters; otherwise it is held at its first value (min for a continuous one)'),
  enumerate: z
    .literal(false)
    .optional()
    .describe('false: never list the discrete product (for spaces too large to enumerate); it is planned by sampling and local search, as a space with a continuous parameter always is'),
};
