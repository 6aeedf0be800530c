/**
 * The multi-objective benchmark problems by name, for the benchmark and for a lab adapter that
 * serves them.
 */
import { braninCurrinProblem } from './branin-currin.js';
import { dtlz2Problem } from './dtlz2.js';
import type { GridProblem } from './grid-problem.js';
import { snarProblem } from './snar.js';

export const MULTI_OBJECTIVE_PROBLEMS = {
  'branin-currin': () => braninCurrinProblem(),
  'dtlz2-2': () => dtlz2Problem({ objectives: 2 }),
  'dtlz2-3': () => dtlz2Problem({ objectives: 3 }),
  snar: () => snarProblem(),
} as const satisfies Record<string, () => GridProblem>;

export type MultiObjectiveProblemName = keyof typeof MULTI_OBJECTIVE_PROBLEMS;

export function multiObjectiveProblem(name: string): GridProblem {
  const make = (MULTI_OBJECTIVE_PROBLEMS as Record<string, () => GridProblem>)[name];
  if (!make) throw new RangeError(`unknown multi-objective problem ${name}; known: ${Object.keys(MULTI_OBJECTIVE_PROBLEMS).join(', ')}`);
  return make();
}
