import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { campaignSpecToYaml, parseCampaignSpec, type CampaignIssue } from '../../src/campaign/index.js';
import { issuesOf } from '../helpers.js';
import { Objective } from '../../src/objectives/objective.js';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

/** A Branin–Currin campaign on the analytic lab; tests swap the objective. */
function campaign(objective: string, lab = '  type: analytic\n  function: branin-currin'): string {
  return `name: two targets
objective:
${objective}
space:
  numeric:
    x1: { min: 0, max: 1, step: 0.25 }
    x2: { min: 0, max: 1, step: 0.25 }
budget: { experiments: 10, batch: 2 }
lab:
${lab}
`;
}

const PARETO = `  pareto:
    - { target: branin, direction: minimize }
    - { target: currin, direction: minimize }`;

describe('campaign file: several targets', () => {
  it('reads a Pareto objective with a constraint and cost; target names the first target; YAML round trip', async () => {
    const spec = await parseCampaignSpec(campaign(`${PARETO}\n  constraints: ["currin <= 9", { target: branin, operator: '>=', bound: 1 }]\n  cost: { per_experiment: 2 }`), { baseDir: examples });
    expect(spec.objective.target).toBe('branin');
    expect(spec.objective.direction).toBe('minimize');
    expect(spec.objective.constraints).toEqual([
      { target: 'currin', operator: '<=', bound: 9 },
      { target: 'branin', operator: '>=', bound: 1 },
    ]);
    expect(spec.objective.cost).toEqual({ per_experiment: 2, per_choice: {}, exponent: 1 });
    const again = await parseCampaignSpec(campaignSpecToYaml(spec), { baseDir: examples });
    expect(again.objective).toEqual(spec.objective);
    const objective = Objective.of(spec);
    expect(objective.kind).toBe('pareto');
    expect(objective.targets.map((t) => t.name)).toEqual(['branin', 'currin']);
    // (1, 5) and (2, 3) trade off; (2, 6) is dominated by (1, 5); a result missing currin is not on the front
    const rows: Record<string, number>[] = [{ branin: 1, currin: 5 }, { branin: 2, currin: 6 }, { branin: 2, currin: 3 }, { branin: 0.5 }];
    expect(objective.front(rows, (r) => r)).toEqual([rows[0], rows[2]]);
  });

  it('reads a desirability objective: D is the weighted geometric mean of each transform, missing targets give no value', async () => {
    const spec = await parseCampaignSpec(
      campaign(`  desirability:
    - { target: branin, direction: minimize, low: 0, high: 100, weight: 2 }
    - { target: currin, match: 8, tolerance: 4 }`),
      { baseDir: examples },
    );
    expect(spec.objective.target).toBe('desirability');
    expect(spec.objective.bounds).toEqual([0, 1]);
    const objective = Objective.of(spec);
    // d(branin = 50) = 0.5 (smaller is better over [0, 100]); d(currin = 10) = (12 − 10)/4 = 0.5 → D = 0.5
    expect(objective.valueOf({ branin: 50, currin: 10 })).toBeCloseTo(0.5, 12);
    // d = 0.25 and 1, weights 2 and 1 → (0.25² · 1)^(1/3)
    expect(objective.valueOf({ branin: 75, currin: 8 })).toBeCloseTo(0.0625 ** (1 / 3), 12);
    expect(objective.valueOf({ branin: 75 })).toBeUndefined();
    const again = await parseCampaignSpec(campaignSpecToYaml(spec), { baseDir: examples });
    expect(again.objective).toEqual(spec.objective);
  });

  it('refuses bad several-target objectives, naming field and line', async () => {
    const at = (issues: CampaignIssue[], path: string) => issues.find((i) => i.path === path);

    const unknown = await issuesOf(campaign(`  pareto:\n    - { target: branin, direction: minimize }\n    - { target: purity }`));
    expect(at(unknown, 'objective.pareto[1].target')).toMatchObject({ line: 5 });
    expect(at(unknown, 'objective.pareto[1].target')?.message).toMatch(/does not report "purity".*branin, currin/);

    const weight = await issuesOf(campaign(`  desirability:\n    - { target: branin, direction: minimize, low: 0, high: 100, weight: 0 }\n    - { target: currin, low: 0, high: 10 }`));
    expect(at(weight, 'objective.desirability[0].weight')?.message).toMatch(/greater than 0/);
    expect(at(weight, 'objective.desirability[0].weight')?.line).toBe(4);

    const constraint = await issuesOf(campaign(`${PARETO}\n  constraints: ["impurity <= 2"]`));
    expect(at(constraint, 'objective.constraints[0]')?.message).toMatch(/"impurity" is not a quantity/);
    expect(at(constraint, 'objective.constraints[0]')?.line).toBe(6);

    const badText = await issuesOf(campaign(`${PARETO}\n  constraints: ["currin < 2"]`));
    expect(at(badText, 'objective.constraints[0]')?.message).toMatch(/not a constraint/);

    const tolerance = await issuesOf(campaign(`  desirability:\n    - { target: branin, direction: minimize, low: 0, high: 100 }\n    - { target: currin, tolerance: 2 }`));
    expect(at(tolerance, 'objective.desirability[1].tolerance')?.message).toMatch(/needs a value to match/);
    expect(at(tolerance, 'objective.desirability[1].tolerance')?.line).toBe(5);

    const conflict = await issuesOf(campaign(`  pareto:\n    - { target: branin, direction: minimize }\n    - { target: currin }\n    - { target: branin, direction: maximize }`));
    expect(at(conflict, 'objective.pareto[2].target')?.message).toMatch(/conflicting directions for "branin": minimize and maximize/);

    const both = await issuesOf(campaign(`  target: currin\n${PARETO}`));
    expect(at(both, 'objective.target')?.message).toMatch(/first of the list/);

    const single = await issuesOf(campaign(`  pareto:\n    - { target: branin, direction: minimize }`));
    expect(at(single, 'objective.pareto')?.message).toMatch(/at least two targets/);
  });

  it('checks a simulator lab reports every target and a cost table names real choices', async () => {
    const lab = `  type: simulator
  dataset: data/direct_arylation.csv
  columns: { solvent: Solvent, temperature: Temp_C }
  results: { yield: yield }`;
    const text = `name: t
objective:
  pareto:
    - { target: yield }
    - { target: selectivity }
  cost: { per_choice: { solvent: { DMAc: 1, Water: 2 } } }
space:
  numeric: { temperature: { values: [90, 105, 120] } }
  categorical: { solvent: [DMAc, p-Xylene] }
budget: { experiments: 10, batch: 2 }
lab:
${lab}
`;
    const issues = await issuesOf(text);
    expect(issues.find((i) => i.path === 'objective.pareto[1].target')?.message).toMatch(/lab\.results has: yield/);
    expect(issues.find((i) => i.path === 'objective.cost.per_choice.solvent.Water')?.message).toMatch(/not a choice of "solvent"/);
  });

  it('leaves single-target files as they were', async () => {
    const spec = await parseCampaignSpec(campaign('  target: y\n  direction: minimize\n  bounds: [0, 10]', '  type: analytic\n  function: branin'), { baseDir: examples });
    expect(spec.objective).toEqual({ target: 'y', direction: 'minimize', bounds: [0, 10] });
  });
});
