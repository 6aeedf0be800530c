/** Campaign files for the Pareto panel and API tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { multiObjectiveProblem } from '../src/objectives/multi/problems/index.js';
import { EXAMPLES } from './helpers.js';

/**
 * The shipped Branin–Currin example (two minimised targets, currin ≤ 11, the analytic lab leaving
 * a target out now and then), cut to a budget of 12 in batches of 4: 8 by the initial design,
 * then one EHVI batch on the product's GPs.
 */
export function paretoYaml(name: string): string {
  return readFileSync(join(EXAMPLES, 'branin-currin-pareto.yaml'), 'utf8')
    .replace(/^name: .*$/m, `name: ${name}`)
    .replace(/budget: \{ experiments: \d+, batch: \d+ \}/, 'budget: { experiments: 12, batch: 4 }')
    .replace(/missing_rate: [\d.]+/, 'missing_rate: 0.2');
}

/** DTLZ2 with three minimised targets on its grid (11³ points), served by the analytic lab: the initial design only. */
export function threeTargetYaml(name: string, experiments = 8): string {
  const problem = multiObjectiveProblem('dtlz2-3');
  return stringify({
    name,
    objective: { pareto: problem.targets.map((t) => ({ target: t.name, direction: t.direction === 'maximise' ? 'maximize' : 'minimize' })) },
    space: { numeric: Object.fromEntries(problem.variables.map((v) => [v.name, { values: [...v.levels] }])) },
    budget: { experiments, batch: 4 },
    seed: 2,
    planner: { initial_results: experiments },
    lab: { type: 'analytic', function: 'dtlz2-3' },
  });
}
