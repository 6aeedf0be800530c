// Weisfeiler–Lehman subtree features and their MinMax kernel, on real RDKit graphs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCampaignSpec } from '../src/campaign/index.js';
import { initChem } from '../src/chem/index.js';
import { wlSimilarity, wlSubtreeFeatures } from '../src/models/featurize/wl-subtree.js';
import { DEFAULT_GP_CONFIG, defaultSurrogate, GaussianProcessSurrogate, initTensorBackend, loadSurrogate, type ModelSchema, type ReactionInput } from '../src/models/index.js';
import { r2 } from '../src/models/metrics.js';
import { buchwaldHartwigSample, BUCHWALD_HARTWIG_ROLES } from './buchwald-hartwig-sample.js';
import { EXAMPLES } from './helpers.js';

beforeAll(async () => {
  await initChem();
});

const LIGANDS = [
  'CC(C)C1=CC(C(C)C)=CC(C(C)C)=C1C2=C(P(C3CCCCC3)C4CCCCC4)C=CC=C2', // XPhos
  'P(C1=CC=CC=C1)(C2=CC=CC=C2)C3=CC=CC=C3', // PPh3
  'CP(C)C1=CC=CC=C1',
  'CP(C1=CC=CC=C1)C2=CC=CC=C2',
  'P(C1CCCCC1)(C2CCCCC2)C3CCCCC3',
  'O=C([O-])C.[Cs+]',
  'O=C([O-])C.[K+]',
  'CCCCOC(C)=O',
  'CC(N(C)C)=O',
  '',
];

describe('WL subtree features', () => {
  it('count one label per atom and iteration, the same for every way of writing a molecule', () => {
    const f = wlSubtreeFeatures('CCO', 2);
    expect(f.counts.reduce((a, b) => a + b, 0)).toBe(3 * 3);
    expect(wlSimilarity('OCC', 'C(O)C', 2)).toBe(1);
    expect(wlSimilarity('c1ccccc1O', 'Oc1ccccc1', 3)).toBe(1);
  });

  it('tell homologues apart by counts, and rank near neighbours above far ones', () => {
    const ethanolPropanol = wlSimilarity('CCO', 'CCCO', 3);
    const ethanolBenzene = wlSimilarity('CCO', 'c1ccccc1', 3);
    expect(ethanolPropanol).toBeGreaterThan(ethanolBenzene);
    expect(ethanolPropanol).toBeLessThan(1);
    // PMe2Ph is closer to PMePh2 than to PCy3
    expect(wlSimilarity('CP(C)C1=CC=CC=C1', 'CP(C1=CC=CC=C1)C2=CC=CC=C2', 2)).toBeGreaterThan(wlSimilarity('CP(C)C1=CC=CC=C1', 'P(C1CCCCC1)(C2CCCCC2)C3CCCCC3', 2));
    // caesium and potassium acetate share the acetate
    const salts = wlSimilarity('O=C([O-])C.[Cs+]', 'O=C([O-])C.[K+]', 2);
    expect(salts).toBeGreaterThan(0.5);
    expect(salts).toBeLessThan(1);
  });

  it('the empty role is similar only to itself', () => {
    expect(wlSimilarity('', '', 2)).toBe(1);
    expect(wlSimilarity('', 'CCO', 2)).toBe(0);
  });

  it('gives a symmetric, positive semi-definite Gram matrix (a valid GP kernel)', () => {
    const n = LIGANDS.length;
    const gram = Matrix.zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram.set(i, j, wlSimilarity(LIGANDS[i]!, LIGANDS[j]!, 3));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(gram.get(i, j)).toBeCloseTo(gram.get(j, i), 12);
    const eigenvalues = new EigenvalueDecomposition(gram).realEigenvalues;
    expect(Math.min(...eigenvalues)).toBeGreaterThan(-1e-9);
  });
});

describe('the GP on WL subtree features (planner.model.substance_kernel)', () => {
  const ROLES = BUCHWALD_HARTWIG_ROLES;
  const SCHEMA: ModelSchema = { roles: Object.keys(ROLES), numeric: [], categorical: [], targets: ['yield'] };
  let inputs: ReactionInput[];
  let yields: number[];

  beforeAll(async () => {
    await initTensorBackend({ log: null });
    ({ inputs, yields } = await buchwaldHartwigSample(7, 'wl-test', 160));
  });

  const train = () => ({ inputs: inputs.slice(0, 100), targets: { yield: yields.slice(0, 100) } });

  it.each(['wl', 'morgan+wl', 'onehot', 'morgan+onehot', 'mpnn', 'morgan+mpnn', 'descriptors', 'morgan+descriptors'] as const)('%s: predicts held-out reactions better than the mean, and restores bit for bit', async (substanceKernel) => {
    const model = defaultSurrogate(SCHEMA, 100, { substanceKernel });
    await model.fit(train(), { seed: 1 });
    const held = inputs.slice(100);
    const predicted = (await model.predict(held)).yield!;
    expect(r2(yields.slice(100), Array.from(predicted.mean))).toBeGreaterThan(0.3);
    const restored = await loadSurrogate(SCHEMA, await model.save());
    expect(Array.from((await restored.predict(held)).yield!.mean)).toEqual(Array.from(predicted.mean));
    // the kernel is really another one: the Morgan GP predicts otherwise
    const morgan = defaultSurrogate(SCHEMA, 100);
    await morgan.fit(train(), { seed: 1 });
    expect(Array.from((await morgan.predict(held)).yield!.mean)).not.toEqual(Array.from(predicted.mean));
    // a warm start from a model with other factors (the operator changed the kernel) fits cold instead of failing
    const next = defaultSurrogate(SCHEMA, 120, { substanceKernel });
    await next.fit({ inputs: inputs.slice(0, 120), targets: { yield: yields.slice(0, 120) } }, { seed: 1, warmStart: morgan });
    expect(Array.from((await next.predict(held)).yield!.mean).every(Number.isFinite)).toBe(true);
  });

  it('with the two-way interaction term: fits its variance, predicts held-out reactions, restores bit for bit', async () => {
    const model = new GaussianProcessSurrogate(SCHEMA, { ...DEFAULT_GP_CONFIG, pairInteractions: true });
    await model.fit(train(), { seed: 1 });
    const held = inputs.slice(100);
    const predicted = (await model.predict(held)).yield!;
    expect(r2(yields.slice(100), Array.from(predicted.mean))).toBeGreaterThan(0.3);
    const saved = await model.save();
    const restored = await loadSurrogate(SCHEMA, saved);
    expect(Array.from((await restored.predict(held)).yield!.mean)).toEqual(Array.from(predicted.mean));
    const plain = defaultSurrogate(SCHEMA, 100);
    await plain.fit(train(), { seed: 1 });
    expect(Array.from((await plain.predict(held)).yield!.mean)).not.toEqual(Array.from(predicted.mean));
    // warm-started from a model without the term, it starts from the priors instead of a vector of the wrong length
    const next = new GaussianProcessSurrogate(SCHEMA, { ...DEFAULT_GP_CONFIG, pairInteractions: true });
    await next.fit({ inputs: inputs.slice(0, 120), targets: { yield: yields.slice(0, 120) } }, { seed: 1, warmStart: plain });
    expect(Array.from((await next.predict(held)).yield!.sigma).every((s) => Number.isFinite(s) && s > 0)).toBe(true);
  });

  it('is chosen in the campaign file, and an unknown kernel is refused naming the field', async () => {
    const text = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8').replace('planner:\n', 'planner:\n  model:\n    substance_kernel: wl\n');
    const spec = await parseCampaignSpec(text, { baseDir: EXAMPLES, fileName: 'x.yaml' });
    expect(spec.planner.model?.substance_kernel).toBe('wl');
    await expect(parseCampaignSpec(text.replace('substance_kernel: wl', 'substance_kernel: ecfp'), { baseDir: EXAMPLES, fileName: 'x.yaml' })).rejects.toThrow(/planner\.model\.substance_kernel/);
  });
});
