/**
 * Checks of a space with continuous parameters or rules over them (docs/campaign-file.md,
 * "Continuous and mixed spaces"): each rule names known parameters of the right kind, the linear
 * constraints leave some point (else: which of them conflict), and the strategy, objective and lab
 * can work on a space that is searched rather than listed.
 */
import { InfeasibleRegionError } from '../planner/mixed/polytope.js';
import { unitConstraintsOf } from '../planner/mixed/unit-constraints.js';
import type { IssueList } from './errors.js';
import { parseLinearConstraint, type LinearConstraint } from './linear-constraint.js';
import { isEnumerated } from './space-size.js';
import type { CampaignSpec, ParameterInfo } from './types.js';

type Continuous = NonNullable<Extract<ParameterInfo, { kind: 'numeric' }>['continuous']>;

export function checkContinuousSpace(spec: CampaignSpec, params: Map<string, ParameterInfo>, issues: IssueList): void {
  const continuous = new Map<string, Continuous>();
  for (const p of params.values()) if (p.kind === 'numeric' && p.continuous) continuous.set(p.name, p.continuous);
  const kindOf = (name: string) => {
    const p = params.get(name);
    return p === undefined ? 'unknown' : p.kind === 'numeric' && p.continuous ? 'continuous' : p.kind;
  };

  spec.space.forbidden.forEach((rule, i) => {
    for (const name of Object.keys(rule)) {
      if (continuous.has(name)) issues.add(['space', 'forbidden', i, name], `"${name}" is continuous: a forbidden combination names listed choices; write a linear constraint (space.constraints) instead`);
    }
  });

  const parsed: LinearConstraint[] = [];
  (spec.space.constraints ?? []).forEach((text, i) => {
    let constraint: LinearConstraint;
    try {
      constraint = parseLinearConstraint(text);
    } catch {
      return; // the schema reported it
    }
    let ok = true;
    for (const name of Object.keys(constraint.coefficients)) {
      const kind = kindOf(name);
      if (kind === 'continuous') {
        if (continuous.get(name)?.log) {
          issues.add(['space', 'constraints', i], `"${name}" is on a log scale: a linear constraint needs parameters on a linear scale`);
          ok = false;
        }
        continue;
      }
      ok = false;
      issues.add(['space', 'constraints', i], kind === 'unknown' ? `"${text}" names an unknown parameter "${name}"` : `"${text}" names "${name}", which is ${kind}: linear constraints are over continuous parameters`);
    }
    if (ok) parsed.push(constraint);
  });

  (spec.space.cardinality ?? []).forEach((rule, i) => {
    rule.parameters.forEach((name, j) => {
      const kind = kindOf(name);
      const range = continuous.get(name);
      if (kind !== 'continuous') issues.add(['space', 'cardinality', i, 'parameters', j], kind === 'unknown' ? `unknown parameter "${name}"` : `"${name}" is ${kind}: cardinality counts continuous parameters that are non-zero`);
      else if (range && (range.min > 0 || range.max < 0)) issues.add(['space', 'cardinality', i, 'parameters', j], `"${name}" cannot be zero (its range is ${range.min} to ${range.max})`);
    });
    if (rule.max_nonzero < 1) issues.add(['space', 'cardinality', i, 'max_nonzero'], 'must be at least 1');
  });

  for (const [name, rule] of Object.entries(spec.space.active_when ?? {})) {
    if (!params.has(name)) issues.add(['space', 'active_when', name], `unknown parameter "${name}"`);
    for (const [other, given] of Object.entries(rule)) {
      const p = params.get(other);
      if (!p) {
        issues.add(['space', 'active_when', name, other], `unknown parameter "${other}"`);
        continue;
      }
      if (other === name) issues.add(['space', 'active_when', name, other], 'a parameter cannot depend on itself');
      if (p.kind === 'numeric' && p.continuous) {
        issues.add(['space', 'active_when', name, other], `"${other}" is continuous: a parameter can depend on listed choices only`);
        continue;
      }
      for (const value of Array.isArray(given) ? given : [given]) {
        const known = p.kind === 'numeric' ? p.choices.some((c) => typeof value === 'number' && Math.abs(c - value) < 1e-9) : (p.choices as string[]).includes(String(value));
        if (!known) issues.add(['space', 'active_when', name, other], `${JSON.stringify(value)} is not a choice of "${other}"`);
      }
    }
  }

  if (parsed.length > 0 && parsed.length === (spec.space.constraints ?? []).length) {
    try {
      unitConstraintsOf([...continuous].map(([name, range]) => ({ name, ...range })), parsed, true);
    } catch (error) {
      if (!(error instanceof InfeasibleRegionError)) throw error;
      issues.add(['space', 'constraints'], `no point of the continuous ranges satisfies these constraints together: ${error.conflicting.join('; ')}`);
    }
  }

  if (isEnumerated(spec)) {
    if (spec.space.constraints?.length || spec.space.cardinality?.length || spec.space.active_when) {
      issues.add(['space'], 'constraints, cardinality and active_when apply to a space with continuous parameters (or space.enumerate: false)');
    }
    return;
  }
  if (spec.space.scope) issues.add(['space', 'scope'], 'a scope table lists candidates; a space with continuous parameters (or enumerate: false) is searched, not listed');
  if (spec.planner.strategy === 'discovery') issues.add(['planner', 'strategy'], 'the discovery strategy needs a listed space (no continuous parameters)');
  if (spec.objective.pareto) issues.add(['objective', 'pareto'], 'a Pareto objective is planned over listed spaces only so far; a space with continuous parameters takes a single target or a desirability');
  if (spec.lab.type === 'simulator') issues.add(['lab', 'type'], 'a dataset simulator answers only the rows of its table; a space with continuous parameters needs a lab that can run any point (analytic, emulator or a robot)');
}
