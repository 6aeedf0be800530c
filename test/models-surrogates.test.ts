// The surrogate contract end to end, with real tfjs, RDKit.js and PGlite: fit, predict in target
// units, uncertainty that grows away from the data, save → database → load bit for bit, spaces
// without substances, empty roles, several targets, attributions, warm starts and aborts.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalSmiles, initChem, molecularGraph } from '../src/chem/index.js';
import { createCampaign, listModelVersions, loadLatestModelVersion, openDatabase, saveModelVersion } from '../src/db/index.js';
import {
  atomAttributions,
  DEFAULT_ENSEMBLE_CONFIG,
  DEFAULT_GP_CONFIG,
  DeepEnsembleSurrogate,
  defaultSurrogate,
  FitAbortedError,
  GaussianProcessSurrogate,
  GP_MAX_TRAINING_SIZE,
  initTensorBackend,
  loadSurrogate,
  ModelError,
  NOVEL_SUBSTANCE_GP_CONFIG,
  RoutedSurrogate,
  type EnsembleConfig,
  type ModelSchema,
  type Posterior,
  type ReactionInput,
  type Surrogate,
} from '../src/models/index.js';
import { decodeContainer, encodeContainer } from '../src/models/serialization.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { EXAMPLES, stubSpec, tempHome } from './helpers.js';

const TINY: EnsembleConfig = {
  ...DEFAULT_ENSEMBLE_CONFIG,
  members: 3,
  mpnn: { hidden: 32, depth: 3 },
  hidden: [64, 32],
  schedule: { ...DEFAULT_ENSEMBLE_CONFIG.schedule, maxEpochs: 60, batchSize: 32, patience: 60 },
  warmSchedule: { ...DEFAULT_ENSEMBLE_CONFIG.warmSchedule, maxEpochs: 8, batchSize: 32, patience: 8 },
};

const BH_ROLES = { aryl_halide: 'aryl_halide_smiles', ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' };
const BH_SCHEMA: ModelSchema = { roles: Object.keys(BH_ROLES), numeric: [], categorical: [], targets: ['yield'] };
/** Far-away molecules for every role: silicon, tin and germanium never occur in the Buchwald–Hartwig set. */
let FAR: Record<string, string>;

let bh: { inputs: ReactionInput[]; yields: number[] };
let train: number[];
let query: number[];

beforeAll(async () => {
  await initChem();
  await initTensorBackend({ log: null });
  FAR = {
    aryl_halide: canonicalSmiles('C[Si](C)(C)C#C[Ge](C)(C)Cl'),
    ligand: canonicalSmiles('C[Sn](C)(C)C[Si](C)(C)C[Sn](C)(C)C'),
    base: canonicalSmiles('C[Si](C)(C)N[Si](C)(C)C'),
    additive: canonicalSmiles('C[Si](C)(C)CC[Sn](C)(C)C'),
  };
  const { rows } = await readCsv(join(EXAMPLES, 'data', 'buchwald_hartwig_3955.csv'));
  bh = {
    inputs: rows.map((r) => ({
      substances: Object.fromEntries(Object.entries(BH_ROLES).map(([role, column]) => [role, canonicalSmiles(r[column]!)])),
      conditions: {},
    })),
    yields: rows.map((r) => Number(r.yield)),
  };
  const order = shuffled(rows.map((_, i) => i), rngFor(4, 'test-split'));
  train = order.slice(0, 80);
  query = order.slice(80, 120);
});

const pick = (rows: number[]) => ({ inputs: rows.map((i) => bh.inputs[i]!), targets: { yield: rows.map((i) => bh.yields[i]!) } });
const far = (rows: number[]) => rows.map((i) => ({ ...bh.inputs[i]!, substances: { ...FAR } }));
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

function expectConsistent(p: Posterior, n: number) {
  for (const key of ['mean', 'sigma', 'epistemic', 'aleatoric'] as const) {
    expect(p[key]).toBeInstanceOf(Float64Array);
    expect(p[key]).toHaveLength(n);
    expect(Array.from(p[key]).every(Number.isFinite)).toBe(true);
  }
  for (let i = 0; i < n; i++) {
    expect(p.sigma[i]).toBeGreaterThan(0);
    expect(p.sigma[i]! ** 2).toBeCloseTo(p.epistemic[i]! ** 2 + p.aleatoric[i]! ** 2, 6);
  }
}

describe.each([
  ['gp', () => new GaussianProcessSurrogate(BH_SCHEMA)],
  ['mpnn-ensemble', () => new DeepEnsembleSurrogate(BH_SCHEMA, TINY)],
  ['mpnn-ensemble+gp', () => new RoutedSurrogate(BH_SCHEMA, new DeepEnsembleSurrogate(BH_SCHEMA, TINY))],
] as [string, () => Surrogate][])('%s surrogate', (kind, make) => {
  let model: Surrogate;
  beforeAll(async () => {
    model = make();
    await model.fit(pick(train), { seed: 1 });
  });

  it('predicts in target units with σ² = epistemic² + aleatoric²', async () => {
    expect(model.kind).toBe(kind);
    const p = (await model.predict(query.map((i) => bh.inputs[i]!))).yield!;
    expectConsistent(p, query.length);
    // yields are 0…100 %: a model in target units predicts in that neighbourhood
    expect(mean(p.mean)).toBeGreaterThan(-10);
    expect(mean(p.mean)).toBeLessThan(80);
    expect(mean(p.sigma)).toBeGreaterThan(1);
  });

  it('is more uncertain far from the training data than on it', async () => {
    const on = (await model.predict(train.map((i) => bh.inputs[i]!))).yield!;
    const off = (await model.predict(far(train))).yield!;
    expect(mean(off.epistemic)).toBeGreaterThan(1.5 * mean(on.epistemic));
  });

  it('saves to the database and loads back with bit-identical predictions', async () => {
    const { home, cleanup } = tempHome();
    const database = await openDatabase({ home });
    try {
      const campaign = await createCampaign(
        database.db,
        { id: randomUUID(), name: 't', spec: stubSpec(), specSource: '', specHash: 'h', seed: 1, budget: 1, batchSize: 1 },
        [],
        'test',
      );
      const saved = await model.save();
      expect(saved).toMatchObject({ kind, trainingSize: train.length, backend: 'wasm' });
      expect(await saveModelVersion(database.db, campaign.id, saved)).toBe(1);
      expect(await saveModelVersion(database.db, campaign.id, saved)).toBe(2);
      const stored = await loadLatestModelVersion(database.db, campaign.id);
      expect(stored).toMatchObject({ version: 2, kind, backend: 'wasm', trainingSize: train.length, featurizerVersion: saved.featurizerVersion });
      expect((await listModelVersions(database.db, campaign.id)).map((v) => v.version)).toEqual([2, 1]);
      const restored = await loadSurrogate(BH_SCHEMA, stored!);
      const inputs = [...query.map((i) => bh.inputs[i]!), ...far(query.slice(0, 5))];
      const [a, b] = [(await model.predict(inputs)).yield!, (await restored.predict(inputs)).yield!];
      expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
      expect(Array.from(b.sigma)).toEqual(Array.from(a.sigma));
      expect(Array.from(b.epistemic)).toEqual(Array.from(a.epistemic));
    } finally {
      await database.close();
      cleanup();
    }
  });

  it('refuses to load into a different space', async () => {
    const saved = await model.save();
    await expect(loadSurrogate({ ...BH_SCHEMA, roles: ['ligand'] }, saved)).rejects.toThrow(ModelError);
  });

  it('warm-starts from the previous version when results arrive', async () => {
    const next = make();
    const report = await next.fit(pick([...train, ...query]), { seed: 2, warmStart: model });
    expect(report.trainingSize).toBe(train.length + query.length);
    expectConsistent((await next.predict(query.map((i) => bh.inputs[i]!))).yield!, query.length);
  });
});

describe('the GP', () => {
  it('restores a model saved before the fingerprint radius was a setting with the radius it was fitted with', async () => {
    const legacy = new GaussianProcessSurrogate(BH_SCHEMA, { ...DEFAULT_GP_CONFIG, fingerprintRadius: 2 });
    await legacy.fit(pick(train), { seed: 1 });
    const saved = await legacy.save();
    const { header, tensors } = decodeContainer<{ config: Record<string, unknown> }>(saved.weights);
    delete header.config.fingerprintRadius;
    const restored = await loadSurrogate(BH_SCHEMA, { ...saved, weights: encodeContainer(header, tensors) });
    const inputs = [...query.map((i) => bh.inputs[i]!), ...far(query.slice(0, 5))];
    const expected = (await legacy.predict(inputs)).yield!;
    expect(Array.from((await restored.predict(inputs)).yield!.mean)).toEqual(Array.from(expected.mean));
    // the radius matters: read with another one the same data would predict otherwise
    header.config.fingerprintRadius = 1;
    const reread = await loadSurrogate(BH_SCHEMA, { ...saved, weights: encodeContainer(header, tensors) });
    expect(Array.from((await reread.predict(inputs)).yield!.mean)).not.toEqual(Array.from(expected.mean));
  });
});

describe("the GP's atom attributions (fingerprint occlusion)", () => {
  // yields that a fluorine decides: the atom the model must point at
  const amines: [string, number][] = [
    ['Nc1ccc(F)cc1', 82], ['Nc1ccccc1', 18], ['NCc1ccc(F)cc1', 79], ['NCc1ccccc1', 21], ['CC(N)c1ccc(F)cc1', 85], ['CC(N)c1ccccc1', 15],
    ['Nc1cccc(F)c1', 77], ['Nc1cccc(C)c1', 24], ['NCCc1ccc(F)cc1', 80], ['NCCc1ccccc1', 19], ['Nc1ccc(Cl)cc1', 30], ['Nc1ccc(OC)cc1', 22],
  ];
  const schema: ModelSchema = { roles: ['amine', 'acid'], numeric: [], categorical: [], targets: ['yield'] };
  const data = {
    inputs: amines.map(([amine]): ReactionInput => ({ substances: { amine, acid: 'CC(=O)O' }, conditions: {} })),
    targets: { yield: amines.map(([, y]) => y) },
  };

  it('points at the atom that decides the yield, in the order of the canonical SMILES', async () => {
    const gp = new GaussianProcessSurrogate(schema);
    await gp.fit(data, { seed: 1 });
    const input: ReactionInput = { substances: { amine: 'Cc1cc(N)ccc1F', acid: 'CC(=O)O' }, conditions: {} };
    const { amine, acid } = await atomAttributions(gp, input, 'yield');
    expect(amine!.smiles).toBe(canonicalSmiles('Cc1cc(N)ccc1F'));
    expect(amine!.atoms).toHaveLength(molecularGraph(amine!.smiles).numAtoms);
    const fluorine = [...amine!.smiles.replace(/[^A-Za-z]/g, '')].indexOf('F');
    const top = amine!.atoms.indexOf(Math.max(...amine!.atoms));
    expect(top).toBe(fluorine);
    expect(amine!.atoms[fluorine]).toBeGreaterThan(5);
    // the methyl carbon is what the low-yield 3-methylaniline has: it pulls the other way
    expect(amine!.atoms[0]).toBeLessThan(0);
    // the acid is the same in every result: losing its bits only makes the model less sure it has seen this
    // reaction (a shrink toward the mean yield), far less than the fluorine
    expect(Math.max(...acid!.atoms.map(Math.abs))).toBeLessThan(amine!.atoms[fluorine]! / 3);
  });

  it('says so when the kernel does not compare the role by fingerprints', async () => {
    const gp = new GaussianProcessSurrogate(schema, { ...DEFAULT_GP_CONFIG, substanceKernel: 'onehot' });
    await gp.fit(data, { seed: 1 });
    await expect(atomAttributions(gp, data.inputs[0]!, 'yield')).rejects.toThrow(/without Morgan fingerprints/);
  });
});

describe('the ensemble', () => {
  it('is reproducible for a seed, reports progress, and stops when aborted', async () => {
    const stages = new Set<string>();
    const a = new DeepEnsembleSurrogate(BH_SCHEMA, { ...TINY, members: 2, schedule: { ...TINY.schedule, maxEpochs: 5 } });
    const b = new DeepEnsembleSurrogate(BH_SCHEMA, { ...TINY, members: 2, schedule: { ...TINY.schedule, maxEpochs: 5 } });
    const report = await a.fit(pick(train), { seed: 9, onProgress: (p) => stages.add(p.stage) });
    await b.fit(pick(train), { seed: 9 });
    expect([...stages]).toEqual(['member 1/2', 'member 2/2']);
    expect(report.metrics.cv_r2).toBeTypeOf('number');
    const inputs = query.map((i) => bh.inputs[i]!);
    expect(Array.from((await b.predict(inputs)).yield!.mean)).toEqual(Array.from((await a.predict(inputs)).yield!.mean));
    const controller = new AbortController();
    controller.abort();
    await expect(new DeepEnsembleSurrogate(BH_SCHEMA, TINY).fit(pick(train), { seed: 1, signal: controller.signal })).rejects.toThrow(FitAbortedError);
  });

  it('attributes a prediction to the atoms of each role', async () => {
    const model = new DeepEnsembleSurrogate(BH_SCHEMA, { ...TINY, members: 2, schedule: { ...TINY.schedule, maxEpochs: 5 } });
    await model.fit(pick(train), { seed: 3 });
    const input: ReactionInput = { ...bh.inputs[query[0]!]!, substances: { ...bh.inputs[query[0]!]!.substances, base: '' } };
    const attributions = await atomAttributions(model, input, 'yield');
    expect(Object.keys(attributions).sort()).toEqual([...BH_SCHEMA.roles].sort());
    expect(attributions.base).toEqual({ smiles: '', atoms: [] });
    for (const role of ['aryl_halide', 'ligand', 'additive']) {
      const { smiles, atoms } = attributions[role]!;
      expect(smiles).toBe(input.substances[role]);
      expect(atoms).toHaveLength(molecularGraph(smiles).numAtoms);
      expect(atoms.every(Number.isFinite)).toBe(true);
    }
    expect(attributions.ligand!.atoms.some((v) => v !== 0)).toBe(true);
  });
});

describe('spaces beyond substances', () => {
  // conditions only, two targets, one of them not measured everywhere
  const schema: ModelSchema = {
    roles: [],
    numeric: [{ name: 'temperature', values: [90, 105, 120] }, { name: 'concentration', values: [0.057, 0.1, 0.153] }],
    categorical: [{ name: 'solvent', values: ['DMAc', 'p-Xylene', 'BuOAc'] }],
    targets: ['yield', 'selectivity'],
  };
  const grid: ReactionInput[] = [];
  for (const temperature of [90, 105, 120]) for (const concentration of [0.057, 0.1, 0.153]) for (const solvent of ['DMAc', 'p-Xylene', 'BuOAc']) grid.push({ substances: {}, conditions: { temperature, concentration, solvent } });
  const yields = grid.map((g) => (g.conditions.temperature as number) / 3 - 20 + (g.conditions.solvent === 'DMAc' ? 15 : 0) + 40 * (g.conditions.concentration as number));
  const selectivity = grid.map((_, i) => (i % 4 === 0 ? Number.NaN : 50 + (i % 7)));

  it.each([
    ['gp', () => new GaussianProcessSurrogate(schema)],
    ['mpnn-ensemble', () => new DeepEnsembleSurrogate(schema, TINY)],
  ] as [string, () => Surrogate][])('%s works without substance roles, with several targets and missing values', async (_, make) => {
    const model = make();
    await model.fit({ inputs: grid, targets: { yield: yields, selectivity } }, { seed: 1 });
    const out = await model.predict(grid);
    expect(Object.keys(out).sort()).toEqual(['selectivity', 'yield']);
    expectConsistent(out.yield!, grid.length);
    expectConsistent(out.selectivity!, grid.length);
    if (model.kind === 'gp') expect(Math.abs(mean(out.yield!.mean) - mean(yields))).toBeLessThan(3);
  });

  it.each([
    ['gp', () => new GaussianProcessSurrogate(BH_SCHEMA)],
    ['mpnn-ensemble', () => new DeepEnsembleSurrogate(BH_SCHEMA, { ...TINY, members: 2 })],
  ] as [string, () => Surrogate][])('%s takes a role left empty for some candidates', async (_, make) => {
    const rows = train.slice(0, 40);
    const inputs = rows.map((i, k) => (k % 3 === 0 ? { ...bh.inputs[i]!, substances: { ...bh.inputs[i]!.substances, additive: '' } } : bh.inputs[i]!));
    const model = make();
    await model.fit({ inputs, targets: { yield: rows.map((i) => bh.yields[i]!) } }, { seed: 1 });
    expectConsistent((await model.predict(inputs)).yield!, inputs.length);
  });
});

it('leaves no tensor memory behind: weights live as arrays between calls', () => {
  // a tfjs variable keeps its initial tensor's data alive unless that tensor is disposed; a leak
  // of that kind grew the wasm heap until it trapped after a few dozen fits
  expect(tf.memory().numTensors).toBe(0);
});

describe('the default surrogate', () => {
  it('is the GP for a campaign start and the graph ensemble, routed to the GP for novel substances, for large data sets', () => {
    expect(defaultSurrogate(BH_SCHEMA, 10).kind).toBe('gp');
    expect(defaultSurrogate(BH_SCHEMA, GP_MAX_TRAINING_SIZE).kind).toBe('gp');
    expect(defaultSurrogate(BH_SCHEMA, GP_MAX_TRAINING_SIZE + 1).kind).toBe('mpnn-ensemble+gp');
  });
});

describe('the routed surrogate', () => {
  it("answers with the ensemble where every substance was seen and with the GP where one was not, and attributes through its graph part", async () => {
    const novelAdditive: ReactionInput[] = query.slice(0, 6).map((i) => ({ ...bh.inputs[i]!, substances: { ...bh.inputs[i]!.substances, additive: FAR.additive! } }));
    const seen = query.map((i) => bh.inputs[i]!);
    const graph = new DeepEnsembleSurrogate(BH_SCHEMA, TINY);
    const gp = new GaussianProcessSurrogate(BH_SCHEMA, NOVEL_SUBSTANCE_GP_CONFIG);
    await graph.fit(pick(train), { seed: 5 });
    await gp.fit(pick(train), { seed: 5 });
    const routed = new RoutedSurrogate(BH_SCHEMA, new DeepEnsembleSurrogate(BH_SCHEMA, TINY));
    const report = await routed.fit(pick(train), { seed: 5 });
    expect(report.metrics).toHaveProperty('gp_cv_r2');
    const inputs = [...seen, ...novelAdditive];
    // novel: some role holds a substance none of the 80 training reactions has
    const known = (role: string, smiles: string) => train.some((i) => bh.inputs[i]!.substances[role] === smiles);
    const novel = inputs.map((input) => BH_SCHEMA.roles.some((role) => !known(role, input.substances[role]!)));
    expect(novel.slice(seen.length).every(Boolean)).toBe(true);
    expect(novel.slice(0, seen.length).filter((x) => !x).length).toBeGreaterThan(20);
    const p = (await routed.predict(inputs)).yield!;
    const fromGraph = (await graph.predict(inputs)).yield!;
    const fromGp = (await gp.predict(inputs)).yield!;
    for (const key of ['mean', 'sigma', 'epistemic'] as const) {
      expect(Array.from(p[key])).toEqual(inputs.map((_, i) => (novel[i] ? fromGp : fromGraph)[key][i]));
    }
    expect(inputs.map((input) => routed.isNovel(input))).toEqual(novel);
    const attributions = await atomAttributions(routed, seen[0]!, 'yield');
    expect(attributions.additive!.atoms).toHaveLength(molecularGraph(seen[0]!.substances.additive!).numAtoms);
  });
});
