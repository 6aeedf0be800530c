// The search space: enumeration of the example campaigns, forbidden combinations, candidate keys and
// the matching of table rows to candidates. Real RDKit, real example files, no mocks.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { loadCampaignFile, resolveSpecPath } from '../src/campaign/index.js';
import { canonicalSmiles, initChem } from '../src/chem/index.js';
import { choiceCount, valueAt, type Parameter } from '../src/planner/parameters.js';
import {
  keyOfValues,
  MAX_CANDIDATES,
  SearchSpace,
  SpaceError,
  type ForbiddenCombination,
  type SpaceDefinition,
} from '../src/planner/space.js';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, exampleChoiceName, simulatorLab } from './helpers.js';

/** Every combination of choice codes of the parameters, last parameter fastest. */
function allCodes(parameters: readonly Parameter[]): number[][] {
  let out: number[][] = [[]];
  for (const p of parameters) {
    const next: number[][] = [];
    for (const prefix of out) for (let c = 0; c < choiceCount(p); c++) next.push([...prefix, c]);
    out = next;
  }
  return out;
}

function keyOfCodes(parameters: readonly Parameter[], codes: number[]): string {
  return keyOfValues(codes.map((c, j) => valueAt(parameters[j] as Parameter, c)));
}

function allKeys(space: SearchSpace): string[] {
  return Array.from({ length: space.size }, (_, i) => space.keyOf(i));
}

let benzene: string;
let water: string;

/** 3 solvents (one "none") × 2 concentrations × 3 temperatures × 2 modes = 36 points. */
function smallParameters(): Parameter[] {
  return [
    {
      kind: 'substance',
      name: 'solvent',
      choices: [
        { name: 'benzene', smiles: benzene },
        { name: 'water', smiles: water },
        { name: 'none', smiles: '' },
      ],
    },
    { kind: 'numeric', name: 'concentration', values: [0.1, 0.2], unit: 'M' },
    { kind: 'numeric', name: 'temperature', values: [25, 60, 80] },
    { kind: 'categorical', name: 'mode', values: ['stir', 'shake'] },
  ];
}

const COLUMNS = { solvent: 'Solvent', concentration: 'Conc', temperature: 'T', mode: 'Mode' };

beforeAll(async () => {
  await initChem();
  benzene = canonicalSmiles('c1ccccc1');
  water = canonicalSmiles('O');
});

describe('the example campaigns', () => {
  it('direct arylation enumerates the complete 1,728-point grid', async () => {
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
    const space = await buildSpace(spec);
    expect(space.size).toBe(1728);
    expect(space.parameters.map((p) => [p.name, choiceCount(p)])).toEqual([
      ['base', 4],
      ['ligand', 12],
      ['solvent', 4],
      ['concentration', 3],
      ['temperature', 3],
    ]);
    const temperature = space.parameters.find((p) => p.name === 'temperature');
    expect(temperature?.kind === 'numeric' ? temperature.values : null).toEqual([90, 105, 120]);
    expect(space.skippedScopeRows).toEqual([]);
    expect(new Set(allKeys(space)).size).toBe(1728);

    // every row of the published dataset (spelled with its own SMILES) is exactly one candidate
    const lab = simulatorLab(spec);
    const { rows } = await readCsv(resolveSpecPath(spec, lab.dataset));
    expect(rows).toHaveLength(1728);
    const rowKeys = rows.map((row) => space.keyOfRow(row, lab.columns));
    expect(rowKeys.every((k) => k !== null && space.indexOfKey(k) !== undefined)).toBe(true);
    expect(new Set(rowKeys).size).toBe(1728);
    // and the candidate a row maps to carries the row's own names (an independent path: names, not SMILES)
    for (const r of [0, 1, 777, 1552, 1727]) {
      const row = rows[r] as Record<string, string>;
      const values = space.valuesOf(space.indexOfKey(rowKeys[r] as string) as number);
      expect(values).toEqual({
        base: row.Base,
        ligand: exampleChoiceName(row.Ligand!),
        solvent: exampleChoiceName(row.Solvent!),
        concentration: Number(row.Concentration),
        temperature: Number(row.Temp_C),
      });
    }
  });

  it('Buchwald–Hartwig is its scope table: 3,955 candidates, not the 3,960-point grid', async () => {
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'buchwald-hartwig.yaml'));
    const space = await buildSpace(spec);
    const grid = space.parameters.reduce((n, p) => n * choiceCount(p), 1);
    expect(grid).toBe(3960);
    expect(space.size).toBe(3955);
    expect(space.skippedScopeRows).toEqual([]);
    const keys = new Set(allKeys(space));
    expect(keys.size).toBe(3955);
    // exactly 5 grid points are absent, and each is a real combination of known choices
    const absent = allCodes(space.parameters).filter((codes) => !keys.has(keyOfCodes(space.parameters, codes)));
    expect(absent).toHaveLength(5);
  });
});

describe('a hand-built space', () => {
  it('enumerates the full grid: size = product of the choice counts', () => {
    const space = new SearchSpace({ parameters: smallParameters() });
    expect(space.size).toBe(3 * 2 * 3 * 2);
    expect(space.width).toBe(4);
    const expected = allCodes(space.parameters).map((codes) => keyOfCodes(space.parameters, codes));
    expect(allKeys(space)).toEqual(expected);
    expect(space.valuesOf(0)).toEqual({ solvent: 'benzene', concentration: 0.1, temperature: 25, mode: 'stir' });
    expect(space.valuesOf(space.size - 1)).toEqual({ solvent: 'none', concentration: 0.2, temperature: 80, mode: 'shake' });
  });

  it('forbidden combinations remove exactly the matching points', () => {
    const forbidden: ForbiddenCombination[] = [
      { solvent: ['none'], mode: ['shake'] }, // by choice name: 1 × 2 × 3 × 1 = 6 points
      { solvent: ['O'], temperature: [80, 60] }, // water by SMILES: 1 × 2 × 2 × 2 = 8 points
      { solvent: ['C1=CC=CC=C1'], concentration: ['0.20'], temperature: [25], mode: ['stir'] }, // Kekulé benzene: 1 point
    ];
    const full = new SearchSpace({ parameters: smallParameters() });
    const space = new SearchSpace({ parameters: smallParameters(), forbidden });
    expect(space.size).toBe(36 - 6 - 8 - 1);

    const isForbidden = (v: Record<string, string | number>): boolean =>
      (v.solvent === 'none' && v.mode === 'shake') ||
      (v.solvent === 'water' && (v.temperature === 80 || v.temperature === 60)) ||
      (v.solvent === 'benzene' && v.concentration === 0.2 && v.temperature === 25 && v.mode === 'stir');
    const expected = [];
    for (let i = 0; i < full.size; i++) if (!isForbidden(full.valuesOf(i))) expected.push(full.keyOf(i));
    expect(allKeys(space)).toEqual(expected);
    // a forbidden point is not in the space, though a row can still describe it
    const banned = keyOfValues(['none', 0.1, 25, 'shake']);
    expect(space.indexOfKey(banned)).toBeUndefined();
    expect(space.keyOfRow({ Solvent: 'none', Conc: '0.1', T: '25', Mode: 'shake' }, COLUMNS)).toBe(banned);
  });

  it('a forbidden rule naming an unknown parameter or value throws SpaceError', () => {
    const build = (forbidden: ForbiddenCombination[]) => () => new SearchSpace({ parameters: smallParameters(), forbidden });
    expect(build([{ pressure: [1] }])).toThrow(SpaceError);
    expect(build([{ pressure: [1] }])).toThrow(/unknown parameter: pressure/);
    expect(build([{ solvent: ['toluene'] }])).toThrow(/unknown value of solvent: toluene/);
    expect(build([{ solvent: ['CCO'] }])).toThrow(SpaceError); // valid SMILES, but not a choice
    expect(build([{ temperature: [42] }])).toThrow(/unknown value of temperature: 42/);
    expect(build([{ mode: ['Stir'] }])).toThrow(/unknown value of mode: Stir/);
  });

  it('forbidding everything leaves an empty space, which is an error', () => {
    expect(() => new SearchSpace({ parameters: smallParameters(), forbidden: [{ mode: ['stir', 'shake'] }] })).toThrow(
      /the search space is empty/,
    );
  });

  it('keyOf and indexOfKey round-trip for every candidate', () => {
    const space = new SearchSpace({ parameters: smallParameters(), forbidden: [{ solvent: ['water'] }] });
    expect(space.size).toBe(24);
    for (let i = 0; i < space.size; i++) expect(space.indexOfKey(space.keyOf(i))).toBe(i);
    expect(space.indexOfKey(keyOfValues(['water', 0.1, 25, 'stir']))).toBeUndefined();
    expect(space.indexOfKey('not a key')).toBeUndefined();
  });

  it('keyOfRow matches by name, by an equivalent SMILES spelling and numerically', () => {
    const space = new SearchSpace({ parameters: smallParameters() });
    const target = keyOfValues(['benzene', 0.1, 60, 'shake']);
    expect(space.indexOfKey(target)).toBeDefined();
    const rows: Record<string, string>[] = [
      { Solvent: 'benzene', Conc: '0.1', T: '60', Mode: 'shake' },
      { Solvent: 'C1=CC=CC=C1', Conc: '0.10', T: '60.0', Mode: 'shake' }, // Kekulé benzene, padded numbers
      { Solvent: 'c1ccccc1', Conc: '1e-1', T: '6e1', Mode: 'shake' },
      { Solvent: '  benzene ', Conc: ' 0.1', T: '60', Mode: 'shake ', extra: 'ignored' },
    ];
    for (const row of rows) expect(space.keyOfRow(row, COLUMNS)).toBe(target);
    // a different spelling of water, and '' for the "none" choice
    expect(space.keyOfRow({ Solvent: '[OH2]', Conc: '0.2', T: '25', Mode: 'stir' }, COLUMNS)).toBe(
      keyOfValues(['water', 0.2, 25, 'stir']),
    );
    expect(space.keyOfRow({ Solvent: '', Conc: '0.2', T: '25', Mode: 'stir' }, COLUMNS)).toBe(
      keyOfValues(['none', 0.2, 25, 'stir']),
    );
  });

  it('keyOfRow gives null when a cell matches no choice', () => {
    const space = new SearchSpace({ parameters: smallParameters() });
    const ok = { Solvent: 'benzene', Conc: '0.1', T: '60', Mode: 'shake' };
    expect(space.keyOfRow(ok, COLUMNS)).not.toBeNull();
    expect(space.keyOfRow({ ...ok, Solvent: 'CCO' }, COLUMNS)).toBeNull(); // valid SMILES, not a choice
    expect(space.keyOfRow({ ...ok, Solvent: 'toluene' }, COLUMNS)).toBeNull(); // neither name nor SMILES
    expect(space.keyOfRow({ ...ok, Conc: '0.15' }, COLUMNS)).toBeNull();
    expect(space.keyOfRow({ ...ok, Conc: 'n/a' }, COLUMNS)).toBeNull();
    expect(space.keyOfRow({ ...ok, T: '' }, COLUMNS)).toBeNull();
    expect(space.keyOfRow({ ...ok, Mode: 'Shake' }, COLUMNS)).toBeNull(); // categories match exactly
    const { Mode: _omitted, ...withoutMode } = ok;
    expect(space.keyOfRow(withoutMode, COLUMNS)).toBeNull();
    // a parameter without a column is a programming error, not an unmatched row
    const { mode: _m, ...fewerColumns } = COLUMNS;
    expect(() => space.keyOfRow(ok, fewerColumns)).toThrow(SpaceError);
  });

  it('substancesOf gives canonical SMILES, and "" for a "none" choice', () => {
    const space = new SearchSpace({ parameters: smallParameters() });
    const first = space.indexOfKey(keyOfValues(['benzene', 0.1, 25, 'stir'])) as number;
    expect(space.substancesOf(first)).toEqual({ solvent: 'c1ccccc1' });
    const wet = space.indexOfKey(keyOfValues(['water', 0.1, 25, 'stir'])) as number;
    expect(space.substancesOf(wet)).toEqual({ solvent: 'O' });
    const none = space.indexOfKey(keyOfValues(['none', 0.2, 80, 'shake'])) as number;
    expect(space.substancesOf(none)).toEqual({ solvent: '' });
  });

  it('a scope table keeps its matched rows once each and reports the others', () => {
    const scope = {
      source: 'inline',
      columns: COLUMNS,
      rows: [
        { Solvent: 'benzene', Conc: '0.1', T: '25', Mode: 'stir' },
        { Solvent: 'C1=CC=CC=C1', Conc: '0.10', T: '25', Mode: 'stir' }, // replicate of row 2
        { Solvent: 'CCO', Conc: '0.1', T: '25', Mode: 'stir' }, // unmatched
        { Solvent: 'O', Conc: '0.2', T: '80', Mode: 'shake' },
        { Solvent: '', Conc: '0.2', T: '80', Mode: 'shake' }, // forbidden below
      ],
    };
    const space = new SearchSpace({ parameters: smallParameters(), scope, forbidden: [{ solvent: ['none'] }] });
    expect(allKeys(space)).toEqual([keyOfValues(['benzene', 0.1, 25, 'stir']), keyOfValues(['water', 0.2, 80, 'shake'])]);
    expect(space.skippedScopeRows).toEqual([
      { row: 4, reason: 'a cell matches no choice of its parameter' },
      { row: 6, reason: 'forbidden combination' },
    ]);
  });
});

describe('spaces that cannot be enumerated', () => {
  it('a parameter with no values throws SpaceError', () => {
    const cases: SpaceDefinition[] = [
      { parameters: [...smallParameters(), { kind: 'numeric', name: 'pressure', values: [] }] },
      { parameters: [...smallParameters(), { kind: 'categorical', name: 'vessel', values: [] }] },
      { parameters: [{ kind: 'substance', name: 'catalyst', choices: [] }] },
    ];
    for (const definition of cases) {
      expect(() => new SearchSpace(definition)).toThrow(SpaceError);
      expect(() => new SearchSpace(definition)).toThrow(/has no values/);
    }
    expect(() => new SearchSpace({ parameters: [] })).toThrow(SpaceError);
  });

  it(`a grid beyond MAX_CANDIDATES (${MAX_CANDIDATES}) throws a SpaceError saying so`, () => {
    const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    // 3 × 666,667 = 2,000,001: one point too many
    const justOver: SpaceDefinition = {
      parameters: [
        { kind: 'categorical', name: 'a', values: ['x', 'y', 'z'] },
        { kind: 'numeric', name: 'b', values: range(666_667) },
      ],
    };
    expect(3 * 666_667).toBe(MAX_CANDIDATES + 1);
    expect(() => new SearchSpace(justOver)).toThrow(SpaceError);
    expect(() => new SearchSpace(justOver)).toThrow(/2,000,001 combinations, more than the 2,000,000/);

    const huge: SpaceDefinition = {
      parameters: ['a', 'b', 'c'].map((name) => ({ kind: 'numeric' as const, name, values: range(1000) })),
    };
    expect(() => new SearchSpace(huge)).toThrow(/1,000,000,000 combinations/);
  });
});
