import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CampaignSpecError,
  applyOverrides,
  campaignSpecSchema,
  campaignSpecToYaml,
  loadCampaignFile,
  parseCampaignSpec,
  resolveSpecPath,
  specParameters,
  type CampaignIssue,
  type CampaignSpec,
} from '../src/campaign/index.js';

import { simulatorLab } from './helpers.js';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples');

const XPHOS = 'CC(C1=C(C2=CC=CC=C2P(C3CCCCC3)C4CCCCC4)C(C(C)C)=CC(C(C)C)=C1)C';
const PPH3 = 'P(C1=CC=CC=C1)(C2=CC=CC=C2)C3=CC=CC=C3';

/** A small valid campaign on the direct-arylation dataset; tests break one thing at a time. */
function campaign(parts: { space?: string; budget?: string; lab?: string; extra?: string } = {}): string {
  return `name: test campaign
objective:
  target: yield
  bounds: [0, 100]
space:
${
  parts.space ??
  `  substances:
    ligand:
      XPhos: '${XPHOS}'
      PPh3: '${PPH3}'
  numeric:
    temperature: { values: [90, 105, 120], unit: "°C" }
  categorical:
    solvent: [DMAc, p-Xylene]`
}
budget:
${parts.budget ?? '  experiments: 10\n  batch: 2'}
${parts.extra ?? ''}
lab:
${
  parts.lab ??
  `  type: simulator
  dataset: data/direct_arylation.csv
  columns: { ligand: Ligand_SMILES, temperature: Temp_C, solvent: Solvent }
  results: { yield: yield }`
}
`;
}

/** The issues of a spec that must fail; fails the test if it parses. */
async function issuesOf(text: string, format?: 'yaml' | 'json'): Promise<CampaignIssue[]> {
  try {
    await parseCampaignSpec(text, { baseDir: examples, ...(format ? { format } : {}) });
  } catch (e) {
    expect(e).toBeInstanceOf(CampaignSpecError);
    const err = e as CampaignSpecError;
    // The message is the issues, one per line, "path (line N): message".
    expect(err.message.split('\n')).toHaveLength(err.issues.length);
    return err.issues;
  }
  throw new Error('expected a CampaignSpecError');
}

function lineOf(text: string, fragment: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(fragment));
  if (index < 0) throw new Error(`"${fragment}" is not in the text`);
  return index + 1;
}

describe('example campaigns', () => {
  let da: { spec: CampaignSpec; source: string };
  let bh: { spec: CampaignSpec; source: string };
  beforeAll(async () => {
    da = await loadCampaignFile(join(examples, 'direct-arylation.yaml'));
    bh = await loadCampaignFile(join(examples, 'buchwald-hartwig.yaml'));
  });

  it('loads direct arylation: 3 substance roles, 2 numeric parameters, 1,728-point grid', () => {
    const { spec, source } = da;
    expect(source).toContain('name: Direct arylation (Shields 2021)');
    expect(spec.baseDir).toBe(examples);
    expect(Object.keys(spec.space.substances)).toEqual(['base', 'ligand', 'solvent']);
    expect(Object.keys(spec.space.numeric)).toEqual(['concentration', 'temperature']);
    expect(Object.keys(spec.space.substances.ligand ?? {})).toHaveLength(12);
    expect(Object.keys(spec.space.substances.base ?? {})).toHaveLength(4);
    expect(Object.keys(spec.space.substances.solvent ?? {})).toHaveLength(4);
    expect(spec.space.numeric.temperature).toEqual({ values: [90, 105, 120], unit: '°C' });
    const gridSize = specParameters(spec).reduce((n, p) => n * p.choices.length, 1);
    expect(gridSize).toBe(1728);
    expect(spec.objective).toEqual({ target: 'yield', direction: 'maximize', bounds: [0, 100], unit: '%' });
    expect(spec.budget).toEqual({ experiments: 50, batch: 5 });
    expect(spec.lab.type).toBe('simulator');
    expect(resolveSpecPath(spec, simulatorLab(spec).dataset)).toBe(join(examples, 'data', 'direct_arylation.csv'));
    expect(spec.lab.capacity).toBeUndefined();
  });

  it('loads Buchwald-Hartwig: 4 roles, 22 additives, space restricted to the table', () => {
    const { spec } = bh;
    expect(Object.keys(spec.space.substances)).toEqual(['aryl_halide', 'ligand', 'base', 'additive']);
    const counts = Object.values(spec.space.substances).map((c) => Object.keys(c).length);
    expect(counts).toEqual([15, 4, 3, 22]);
    expect(spec.space.scope).toEqual({
      file: 'data/buchwald_hartwig_3955.csv',
      columns: { aryl_halide: 'aryl_halide_smiles', ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' },
    });
    expect(spec.budget).toEqual({ experiments: 100, batch: 5 });
  });

  it('round-trips through YAML', async () => {
    for (const { spec } of [da, bh]) {
      const again = await parseCampaignSpec(campaignSpecToYaml(spec), { baseDir: spec.baseDir, format: 'yaml' });
      expect(again).toEqual(spec);
    }
  });

  it('the schema describes the file for OpenAPI', async () => {
    const { z } = await import('zod');
    const schema = z.toJSONSchema(campaignSpecSchema, { io: 'input' }) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(['name', 'description', 'objective', 'space', 'budget', 'seed', 'planner', 'lab', 'prior']);
  });
});

describe('a valid minimal campaign', () => {
  it('fills in the defaults', async () => {
    const spec = await parseCampaignSpec(campaign(), { baseDir: examples });
    expect(spec.objective.direction).toBe('maximize');
    expect(spec.seed).toBe(0);
    expect(spec.planner).toEqual({
      strategy: 'bayesian',
      initial_design: 'diverse',
      acquisition: 'ucb',
      xi: 0,
      penalty_length: 0.1,
      batch_selection: 'penalty',
      replicates: false,
      asynchronous: false,
      stop_when_exhausted: false,
    });
    expect(spec.space.forbidden).toEqual([]);
    expect(spec.lab).toMatchObject({ noise_sd: 0, latency_ms: 0, failure_rate: 0 });
  });

  it('expands a numeric range', async () => {
    const spec = await parseCampaignSpec(
      campaign({
        space: `  numeric:\n    temperature: { min: 90, max: 120, step: 15 }\n    concentration: { min: 0.1, max: 0.3, step: 0.1, unit: M }`,
        lab: `  type: simulator\n  dataset: data/direct_arylation.csv\n  columns: { temperature: Temp_C, concentration: Concentration }\n  results: { yield: yield }`,
      }),
      { baseDir: examples },
    );
    expect(spec.space.numeric.temperature).toEqual({ values: [90, 105, 120] });
    expect(spec.space.numeric.concentration).toEqual({ values: [0.1, 0.2, 0.3], unit: 'M' });
  });

  it('accepts JSON, by option or by a leading brace', async () => {
    const json = JSON.stringify({
      name: 'json campaign',
      objective: { target: 'yield', direction: 'minimize' },
      space: { substances: { ligand: { XPhos: XPHOS, PPh3: PPH3 } } },
      budget: { experiments: 4, batch: 2 },
      lab: { type: 'simulator', dataset: 'data/direct_arylation.csv', columns: { ligand: 'Ligand_SMILES' }, results: { yield: 'yield' } },
    }, null, 2);
    const byContent = await parseCampaignSpec(json, { baseDir: examples });
    const byName = await parseCampaignSpec(json, { baseDir: examples, fileName: 'c.json' });
    expect(byContent.objective.direction).toBe('minimize');
    expect(byName).toEqual(byContent);
    expect(Object.keys(byContent.space.substances.ligand ?? {})).toEqual(['XPhos', 'PPh3']);
  });
});

describe('rejected campaign files', () => {
  it('names an unknown field and its line', async () => {
    const text = campaign({ budget: '  experiments: 10\n  batch: 2\n  batchsize: 3' });
    const issues = await issuesOf(text);
    expect(issues).toEqual([
      { path: 'budget.batchsize', line: lineOf(text, 'batchsize'), message: 'unknown field "batchsize" (did you mean "batch"?)' },
    ]);
  });

  it('names unknown fields at the top level and in the lab', async () => {
    const text = campaign({ extra: 'sead: 3', lab: `  type: simulator\n  dataset: data/direct_arylation.csv\n  columns: { ligand: Ligand_SMILES, temperature: Temp_C, solvent: Solvent }\n  results: { yield: yield }\n  speed: fast` });
    const issues = await issuesOf(text);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['sead', lineOf(text, 'sead')],
      ['lab.speed', lineOf(text, 'speed')],
    ]);
    expect(issues[0]?.message).toContain('did you mean "seed"');
  });

  it('reports a bad SMILES with its text, role, choice and line', async () => {
    const text = campaign().replace(XPHOS, 'C1CC(');
    const issues = await issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('space.substances.ligand.XPhos');
    expect(issues[0]?.line).toBe(lineOf(text, 'XPhos'));
    expect(issues[0]?.message).toMatch(/^invalid SMILES "C1CC\("/);
  });

  it('rejects a space without parameters', async () => {
    const issues = await issuesOf(campaign({ space: '  forbidden: []', lab: '  type: simulator\n  dataset: data/direct_arylation.csv\n  columns: {}\n  results: { yield: yield }' }));
    expect(issues.find((i) => i.path === 'space')?.message).toMatch(/no parameters/);
  });

  it('rejects a parameter without choices', async () => {
    const text = campaign({ space: `  substances:\n    ligand: {}\n  categorical:\n    solvent: []` });
    const issues = await issuesOf(text);
    expect(issues.map((i) => [i.path, i.line, i.message])).toEqual(
      expect.arrayContaining([
        ['space.substances.ligand', lineOf(text, 'ligand: {}'), '"ligand" has no choices'],
        ['space.categorical.solvent', lineOf(text, 'solvent: []'), '"solvent" has no choices'],
      ]),
    );
  });

  it('rejects a batch larger than the budget', async () => {
    const text = campaign({ budget: '  experiments: 3\n  batch: 5' });
    const issues = await issuesOf(text);
    expect(issues).toEqual([
      { path: 'budget.batch', line: lineOf(text, 'batch: 5'), message: 'batch of 5 is larger than the budget of 3 experiments' },
    ]);
  });

  it('rejects a forbidden rule naming an unknown choice or parameter', async () => {
    const text = campaign({
      space: `  substances:\n    ligand:\n      XPhos: '${XPHOS}'\n      PPh3: '${PPH3}'\n  numeric:\n    temperature: { values: [90, 105, 120] }\n  categorical:\n    solvent: [DMAc, p-Xylene]\n  forbidden:\n    - { ligand: BrettPhos, temperature: 90 }\n    - { base: Cesium acetate }`,
    });
    const issues = await issuesOf(text);
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatchObject({ path: 'space.forbidden[0].ligand', line: lineOf(text, 'BrettPhos') });
    expect(issues[0]?.message).toBe('"BrettPhos" is not a choice of "ligand" (choices: "XPhos", "PPh3")');
    expect(issues[1]).toMatchObject({ path: 'space.forbidden[1].base', line: lineOf(text, 'Cesium acetate') });
    expect(issues[1]?.message).toBe('unknown parameter "base" (parameters: ligand, temperature, solvent)');
  });

  it('rejects duplicate parameter names across kinds', async () => {
    const text = campaign({ space: `  numeric:\n    solvent: { values: [1, 2] }\n  categorical:\n    solvent: [DMAc, p-Xylene]` });
    const issues = await issuesOf(text);
    expect(issues.find((i) => i.path === 'space.categorical.solvent')?.message).toBe(
      'parameter name "solvent" is already used in space.numeric',
    );
  });

  it('rejects a missing dataset, giving the resolved path', async () => {
    const text = campaign({ lab: '  type: simulator\n  dataset: data/nope.csv\n  columns: { ligand: Ligand_SMILES, temperature: Temp_C, solvent: Solvent }\n  results: { yield: yield }' });
    const issues = await issuesOf(text);
    expect(issues).toEqual([
      { path: 'lab.dataset', line: lineOf(text, 'nope.csv'), message: `file not found: ${join(examples, 'data', 'nope.csv')}` },
    ]);
  });

  it('rejects lab columns and results that do not fit the space or the dataset', async () => {
    const text = campaign({ lab: '  type: simulator\n  dataset: data/direct_arylation.csv\n  columns: { ligand: Ligand_SMILES, temperature: Temperature, solvent: Solvent, base: Base }\n  results: { conversion: yield }' });
    const issues = await issuesOf(text);
    expect(issues.map((i) => i.path).sort()).toEqual(['lab.columns.base', 'lab.columns.temperature', 'lab.results']);
    expect(issues.find((i) => i.path === 'lab.columns.temperature')?.message).toMatch(/column "Temperature" is not in the header of .*direct_arylation\.csv/);
    expect(issues.find((i) => i.path === 'lab.results')?.message).toBe('must give a column for the objective target "yield"');
  });

  it('rejects a scope table that lacks a column', async () => {
    const text = campaign({
      space: `  substances:\n    ligand:\n      XPhos: '${XPHOS}'\n  scope:\n    file: data/direct_arylation.csv\n    columns: { ligand: ligand_smiles }`,
      lab: '  type: simulator\n  dataset: data/direct_arylation.csv\n  columns: { ligand: Ligand_SMILES }\n  results: { yield: yield }',
    });
    const issues = await issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'space.scope.columns.ligand', line: lineOf(text, 'ligand_smiles') });
    expect(issues[0]?.message).toMatch(/column "ligand_smiles" is not in the header/);
  });

  it('rejects a scope table whose rows name choices outside the space', async () => {
    const text = campaign({
      space: `  substances:\n    ligand:\n      XPhos: '${XPHOS}'\n  scope:\n    file: data/direct_arylation.csv\n    columns: { ligand: Ligand }`,
      lab: '  type: simulator\n  dataset: data/direct_arylation.csv\n  columns: { ligand: Ligand }\n  results: { yield: yield }',
    });
    const issues = await issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('space.scope.columns.ligand');
    expect(issues[0]?.message).toMatch(/^1584 of 1728 rows of .* have a "Ligand" that matches no choice of "ligand"/);
  });

  it('reports bad YAML syntax with its line', async () => {
    for (const [text, line, message] of [
      ['name: x\n\tbudget: 3\n', 2, 'invalid YAML: Tabs are not allowed as indentation'],
      ['name: x\nbudget:\n  experiments: 3\n  experiments: 4\n', 4, 'invalid YAML: Map keys must be unique'],
      ["name: x\nspace:\n  categorical:\n    vessel: [vial, plate\nbudget: 3\n", 5, 'invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ] as const) {
      expect(await issuesOf(text)).toEqual([{ path: '', line, message }]);
    }
  });

  it('reports bad JSON syntax with its line', async () => {
    const issues = await issuesOf('{\n  "name": "x",\n  "budget": { "experiments": 5, }\n}\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/^invalid JSON/);
    expect(issues[0]?.line).toBe(3);
  });

  it('reports JSON validation issues by path, with lines', async () => {
    const json = `{
  "name": "json",
  "objective": { "target": "yield" },
  "space": { "categorical": { "vessel": ["vial"] } },
  "budget": { "experiments": 0, "batch": 1 },
  "lab": { "type": "robot" }
}`;
    const issues = await issuesOf(json);
    expect(issues).toEqual([
      { path: 'budget.experiments', line: 5, message: 'must be > 0, got 0' },
      { path: 'lab.type', line: 6, message: 'unknown type "robot"; expected one of "simulator", "emulator", "analytic", "http", "mqtt", "files", "sila2", "profile"' },
    ]);
  });

  it('reports missing required fields and wrong types', async () => {
    const text = 'name: ""\nobjective: {}\nspace: {}\nbudget: { experiments: 2.5, batch: "two" }\nlab: { type: simulator }\n';
    const issues = await issuesOf(text);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath).toMatchObject({
      name: 'must not be empty',
      'objective.target': 'required field is missing',
      'budget.experiments': 'must be an integer, got 2.5',
      'budget.batch': 'expected a number, got "two"',
      'lab.dataset': 'required field is missing',
    });
  });

  it('rejects a range with too many values', async () => {
    const text = campaign({ space: '  numeric:\n    temperature: { min: 0, max: 100, step: 0.001 }', lab: '  type: simulator\n  dataset: data/direct_arylation.csv\n  columns: { temperature: Temp_C }\n  results: { yield: yield }' });
    const issues = await issuesOf(text);
    expect(issues).toEqual([
      { path: 'space.numeric.temperature.step', line: lineOf(text, 'step'), message: 'the range gives 100001 values, more than the limit of 10000' },
    ]);
  });

  it('rejects an empty file', async () => {
    expect(await issuesOf('# nothing here\n')).toEqual([{ path: '', message: 'the file is empty' }]);
  });
});

describe('applyOverrides', () => {
  let spec: CampaignSpec;
  beforeAll(async () => {
    spec = await parseCampaignSpec(campaign(), { baseDir: examples });
  });

  it('returns a new spec with the overrides', () => {
    const next = applyOverrides(spec, { budget: 20, batch: 4, seed: 7 });
    expect(next.budget).toEqual({ experiments: 20, batch: 4 });
    expect(next.seed).toBe(7);
    expect(spec.budget).toEqual({ experiments: 10, batch: 2 });
  });

  it('rejects a batch larger than the budget, saying where each came from', () => {
    expect(() => applyOverrides(spec, { batch: 11 })).toThrow(CampaignSpecError);
    try {
      applyOverrides(spec, { batch: 11 });
    } catch (e) {
      const issues = (e as CampaignSpecError).issues;
      expect(issues).toEqual([
        {
          path: 'budget.batch',
          message: 'batch of 11 (from the command line: --batch) is larger than the budget of 10 experiments (from the campaign file)',
        },
      ]);
    }
    expect(() => applyOverrides(spec, { budget: 1 })).toThrow(/budget\.batch: batch of 2 \(from the campaign file\)/);
  });

  it('rejects values that are not positive integers', () => {
    expect(() => applyOverrides(spec, { budget: 0, batch: 1.5, seed: Number.NaN })).toThrow(CampaignSpecError);
  });
});
