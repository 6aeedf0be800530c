/**
 * Checks that relate the objective's several targets, constraints and cost to the rest of the
 * spec: every target and constrained quantity is one the lab reports (when the lab's quantities
 * are known: simulator, emulator, analytic), cost tables name real parameters and choices, and
 * strategies that learn one number are not given several.
 */
import type { IssueList, PathSegment } from './errors.js';
import { DESIRABILITY_TARGET, objectiveTargets } from './objective-schema.js';
import { multiObjectiveProblemTargets } from './analytic-problems.js';
import type { CampaignSpec } from './types.js';

/** The quantities the lab reports, or undefined when the file cannot say (robot labs, profiles). */
export function reportedQuantities(spec: CampaignSpec): string[] | undefined {
  const lab = spec.lab;
  switch (lab.type) {
    case 'simulator':
    case 'emulator':
      return Object.keys(lab.results);
    case 'analytic':
      return multiObjectiveProblemTargets(lab.function) ?? [spec.objective.target];
    default:
      return undefined;
  }
}

/** Whether the objective optimises several targets (Pareto or desirability). */
export function hasSeveralTargets(spec: CampaignSpec): boolean {
  return spec.objective.pareto !== undefined || spec.objective.desirability !== undefined;
}

export function checkObjectiveTargets(spec: CampaignSpec, issues: IssueList): void {
  const { objective } = spec;
  const reported = reportedQuantities(spec);
  const where = reportedWhere(spec);
  const list = objective.pareto !== undefined ? 'pareto' : objective.desirability !== undefined ? 'desirability' : undefined;
  if (list !== undefined && reported !== undefined) {
    objectiveTargets(objective).forEach((target, i) => {
      if (!reported.includes(target)) issues.add(['objective', list, i, 'target'], `the lab does not report "${target}" (${where}: ${reported.join(', ') || 'none'})`);
    });
  }
  const targets = objectiveTargets(objective);
  (objective.constraints ?? []).forEach((c, i) => {
    const at: PathSegment[] = ['objective', 'constraints', i];
    const known = reported ?? targets;
    if (c.target === DESIRABILITY_TARGET && list === 'desirability') {
      issues.add(at, `constrain the measured quantities, not "${DESIRABILITY_TARGET}"`);
    } else if (!known.includes(c.target)) {
      issues.add(at, `"${c.target}" is not a quantity the campaign knows (${reported ? `${where}` : 'objective targets'}: ${known.join(', ')})`);
    }
    const earlier = (objective.constraints ?? []).findIndex((d) => d.target === c.target && d.operator === c.operator);
    if (earlier < i) issues.add(at, `"${c.target} ${c.operator}" is already constrained at constraints[${earlier}]`);
  });
  if (objective.cost) checkCost(spec, issues);
  // Only the Pareto planner weighs proposals by feasibility and cost so far: refusing them
  // elsewhere is better than accepting limits nothing enforces.
  if (list !== 'pareto') {
    if (objective.constraints?.length) issues.add(['objective', 'constraints'], 'outcome constraints are applied with a pareto objective only (for now): list the targets under pareto');
    if (objective.cost) issues.add(['objective', 'cost'], 'cost is applied with a pareto objective only (for now)');
  } else if (spec.planner.strategy !== 'bayesian' && (objective.constraints?.length || objective.cost)) {
    issues.add(['planner', 'strategy'], `constraints and cost are weighed by the model-based planner: use strategy bayesian (not ${spec.planner.strategy})`);
  }
  if (spec.planner.pareto_acquisition !== undefined) {
    if (list !== 'pareto') issues.add(['planner', 'pareto_acquisition'], 'applies to a pareto objective only: list the targets under objective.pareto, or leave it out');
    else if (spec.planner.strategy !== 'bayesian') issues.add(['planner', 'pareto_acquisition'], `is used by the model-based planner: use strategy bayesian (not ${spec.planner.strategy})`);
  }
  if (list !== undefined && spec.planner.strategy === 'discovery') {
    issues.add(['planner', 'strategy'], 'discovery learns whether combinations react (one outcome): use bayesian, diverse or random with several targets');
  }
}

function reportedWhere(spec: CampaignSpec): string {
  if (spec.lab.type === 'analytic') return `the analytic function ${spec.lab.function} reports`;
  return 'lab.results has';
}

function checkCost(spec: CampaignSpec, issues: IssueList): void {
  const perChoice = spec.objective.cost?.per_choice ?? {};
  for (const [name, table] of Object.entries(perChoice)) {
    const at: PathSegment[] = ['objective', 'cost', 'per_choice', name];
    const choices = spec.space.substances[name] ? Object.keys(spec.space.substances[name]) : spec.space.categorical[name];
    if (choices === undefined) {
      const named = [...Object.keys(spec.space.substances), ...Object.keys(spec.space.categorical)];
      issues.add(at, `"${name}" is not a substance or categorical parameter (${named.join(', ') || 'none'})`);
      continue;
    }
    for (const choice of Object.keys(table)) {
      if (!choices.includes(choice)) issues.add([...at, choice], `"${choice}" is not a choice of "${name}" (choices: ${choices.join(', ')})`);
    }
  }
}
