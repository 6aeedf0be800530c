/**
 * The multi-objective benchmark problems an analytic lab serves (lab.function: branin-currin,
 * dtlz2-2, dtlz2-3, snar): their names, the parameters each expects and the targets each reports.
 * The problems themselves live in src/objectives/multi/problems.
 */
import { MULTI_OBJECTIVE_PROBLEMS, multiObjectiveProblem, type MultiObjectiveProblemName } from '../objectives/multi/problems/index.js';

export const MULTI_ANALYTIC_FUNCTIONS = Object.keys(MULTI_OBJECTIVE_PROBLEMS) as [MultiObjectiveProblemName, ...MultiObjectiveProblemName[]];

export function isMultiObjectiveFunction(name: string): name is MultiObjectiveProblemName {
  return (MULTI_ANALYTIC_FUNCTIONS as string[]).includes(name);
}

/** The targets a multi-objective problem reports, or undefined for a single-score function. */
export function multiObjectiveProblemTargets(name: string): string[] | undefined {
  return isMultiObjectiveFunction(name) ? multiObjectiveProblem(name).targets.map((t) => t.name) : undefined;
}

/** The numeric parameters a multi-objective problem is defined over, with their grid levels. */
export function multiObjectiveProblemVariables(name: MultiObjectiveProblemName): { name: string; levels: readonly number[]; unit?: string }[] {
  return multiObjectiveProblem(name).variables.map((v) => ({ name: v.name, levels: v.levels, ...(v.unit ? { unit: v.unit } : {}) }));
}
