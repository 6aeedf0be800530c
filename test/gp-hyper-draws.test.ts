// Integration over the GP's hyperparameters (GpConfig.hyperSamples, planner.model.hyper_samples):
// the Laplace sampler against a posterior whose covariance is known, and the GP's mixture on real
// Buchwald–Hartwig reactions with real RDKit and tfjs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix, inverse } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCampaignSpec } from '../src/campaign/index.js';
import { laplaceHyperSamples } from '../src/models/gp-hyper-posterior.js';
import { DEFAULT_GP_CONFIG, defaultSurrogate, GaussianProcessSurrogate, initTensorBackend, loadSurrogate, type ModelSchema, type ReactionInput } from '../src/models/index.js';
import { r2 } from '../src/models/metrics.js';
import { rngFor } from '../src/util/random.js';
import { buchwaldHartwigSample, BUCHWALD_HARTWIG_ROLES } from './buchwald-hartwig-sample.js';
import { EXAMPLES } from './helpers.js';

describe('Laplace draws of the hyperparameters', () => {
  // a Gaussian posterior: −log p = ½ (θ − m)ᵀ A (θ − m), so the draws must have covariance A⁻¹
  const A = new Matrix([
    [4, 1, 0],
    [1, 2, 0.5],
    [0, 0.5, 1],
  ]);
  const mode = Float64Array.of(0.5, -1, 2);
  const objective = (theta: Float64Array) => {
    const d = Matrix.columnVector(Array.from(theta, (t, i) => t - mode[i]!));
    const g = A.mmul(d);
    return { value: 0.5 * d.transpose().mmul(g).get(0, 0), gradient: Float64Array.from(g.to1DArray()) };
  };

  it('start at the mode and spread as the inverse Hessian says', () => {
    const draws = laplaceHyperSamples(objective, mode, { draws: 6000, objectiveScale: 1, lower: -12, upper: 8, rng: rngFor(1, 'laplace-test') });
    expect(Array.from(draws[0]!)).toEqual(Array.from(mode));
    const samples = draws.slice(1);
    const expected = inverse(A);
    for (let i = 0; i < 3; i++) {
      const mi = samples.reduce((s, x) => s + x[i]!, 0) / samples.length;
      expect(mi).toBeCloseTo(mode[i]!, 1);
      for (let j = 0; j < 3; j++) {
        const mj = samples.reduce((s, x) => s + x[j]!, 0) / samples.length;
        const cov = samples.reduce((s, x) => s + (x[i]! - mi) * (x[j]! - mj), 0) / (samples.length - 1);
        expect(Math.abs(cov - expected.get(i, j))).toBeLessThan(0.05 + 0.08 * Math.abs(expected.get(i, j)));
      }
    }
  });

  it('take the objective per data point back to the whole posterior, and keep flat directions and the box bounded', () => {
    // the GP's objective is divided by its n: draws must be n times narrower than the objective's own curvature says
    const draws = laplaceHyperSamples(objective, mode, { draws: 4000, objectiveScale: 100, lower: -12, upper: 8, rng: rngFor(2, 'laplace-test') }).slice(1);
    const sd0 = Math.sqrt(draws.reduce((s, x) => s + (x[0]! - mode[0]!) ** 2, 0) / draws.length);
    expect(sd0).toBeCloseTo(Math.sqrt(inverse(A).get(0, 0) / 100), 2);
    // a direction the data cannot see (zero curvature) is drawn within the priors' width, never infinitely wide
    const flat = (theta: Float64Array) => ({ value: 0.5 * (theta[0]! - 1) ** 2, gradient: Float64Array.of(theta[0]! - 1, 0) });
    const wide = laplaceHyperSamples(flat, Float64Array.of(1, 7.5), { draws: 2000, objectiveScale: 1, lower: -12, upper: 8, rng: rngFor(3, 'laplace-test') }).slice(1);
    const spread = Math.sqrt(wide.reduce((s, x) => s + (x[1]! - 7.5) ** 2, 0) / wide.length);
    expect(spread).toBeGreaterThan(0.8);
    expect(spread).toBeLessThan(1.6);
    expect(wide.every((x) => x[1]! <= 8 && x[1]! >= -12)).toBe(true);
  });
});

describe('the GP integrated over its hyperparameters', () => {
  const ROLES = BUCHWALD_HARTWIG_ROLES;
  const SCHEMA: ModelSchema = { roles: Object.keys(ROLES), numeric: [], categorical: [], targets: ['yield'], bounds: { yield: [0, 100] } };
  let inputs: ReactionInput[];
  let yields: number[];
  const FAR = { aryl_halide: 'C[Si](C)(C)C#C[Ge](C)(C)Cl', ligand: 'C[Sn](C)(C)C[Si](C)(C)C[Sn](C)(C)C', base: 'C[Si](C)(C)N[Si](C)(C)C', additive: 'C[Si](C)(C)CC[Sn](C)(C)C' };

  beforeAll(async () => {
    await initTensorBackend({ log: null });
    ({ inputs, yields } = await buchwaldHartwigSample(11, 'hyper-draws-test', 90));
  });

  // 30 results: few enough that the data leave the length scales in doubt
  const train = () => ({ inputs: inputs.slice(0, 30), targets: { yield: yields.slice(0, 30) } });

  it('predicts held-out reactions, is reproducible for a seed and restores bit for bit', async () => {
    const model = new GaussianProcessSurrogate(SCHEMA, { ...DEFAULT_GP_CONFIG, hyperSamples: 8 });
    await model.fit(train(), { seed: 3 });
    const held = inputs.slice(30);
    const predicted = (await model.predict(held)).yield!;
    expect(r2(yields.slice(30), Array.from(predicted.mean))).toBeGreaterThan(0.2);
    expect(Array.from(predicted.mean).every((m) => m >= 0 && m <= 100)).toBe(true);
    const again = new GaussianProcessSurrogate(SCHEMA, { ...DEFAULT_GP_CONFIG, hyperSamples: 8 });
    await again.fit(train(), { seed: 3 });
    expect(Array.from((await again.predict(held)).yield!.sigma)).toEqual(Array.from(predicted.sigma));
    const restored = await loadSurrogate(SCHEMA, await model.save());
    const back = (await restored.predict(held)).yield!;
    expect(Array.from(back.mean)).toEqual(Array.from(predicted.mean));
    expect(Array.from(back.sigma)).toEqual(Array.from(predicted.sigma));
  });

  it('doubts more than the most probable GP alone where it has seen nothing, and agrees with it where it has', async () => {
    const mixture = new GaussianProcessSurrogate(SCHEMA, { ...DEFAULT_GP_CONFIG, hyperSamples: 16 });
    const map = new GaussianProcessSurrogate(SCHEMA, DEFAULT_GP_CONFIG);
    await mixture.fit(train(), { seed: 5 });
    await map.fit(train(), { seed: 5 });
    const far = inputs.slice(30, 50).map((input) => ({ ...input, substances: { ...input.substances, ligand: FAR.ligand, base: FAR.base } }));
    const [m, p] = [(await mixture.predict(far)).yield!, (await map.predict(far)).yield!];
    const average = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(average(m.epistemic)).toBeGreaterThan(1.05 * average(p.epistemic));
    // on results it was fitted to, the mixture's mean stays close to the MAP's
    const seen = train().inputs;
    const [ms, ps] = [(await mixture.predict(seen)).yield!, (await map.predict(seen)).yield!];
    const gap = Array.from(ms.mean, (x, i) => Math.abs(x - ps.mean[i]!));
    expect(average(Float64Array.from(gap))).toBeLessThan(5);
  });

  it('fantasises batches with the mixture: the believer starts from the prediction, and a pick shrinks its own doubt and its neighbours\'', async () => {
    const model = new GaussianProcessSurrogate(SCHEMA, { ...DEFAULT_GP_CONFIG, hyperSamples: 8 });
    await model.fit(train(), { seed: 7 });
    const pool = inputs.slice(30, 90);
    const predicted = (await model.predict(pool)).yield!;
    const believer = await model.believer(pool, 'yield');
    for (let i = 0; i < pool.length; i++) {
      // equal up to float32 rounding (the prediction sums its explained variance in tfjs, the believer in float64)
      expect(believer.mean[i]).toBeCloseTo(predicted.mean[i]!, 4);
      expect(believer.sigma[i]).toBeCloseTo(predicted.sigma[i]!, 4);
    }
    const after = believer.believe(0);
    expect(after.sigma[0]).toBeLessThan(0.9 * believer.sigma[0]!);
    // a reaction sharing two of four substances with the pick loses doubt too, and the pool as a whole does
    // (one reaction may gain a little: the members' means move towards the believed result, which can widen their spread elsewhere)
    const twin = pool.findIndex((x, i) => i > 0 && Object.keys(ROLES).filter((r) => x.substances[r] === pool[0]!.substances[r]).length >= 2);
    expect(twin).toBeGreaterThan(0);
    expect(after.sigma[twin]).toBeLessThan(believer.sigma[twin]!);
    const total = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0);
    expect(total(after.sigma)).toBeLessThan(total(believer.sigma));
  });

  it('is chosen in the campaign file and reaches the model; a count out of range is refused naming the field', async () => {
    const text = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8').replace('planner:\n', 'planner:\n  model:\n    hyper_samples: 16\n');
    const spec = await parseCampaignSpec(text, { baseDir: EXAMPLES, fileName: 'x.yaml' });
    expect(spec.planner.model).toMatchObject({ substance_kernel: 'morgan', hyper_samples: 16 });
    const model = defaultSurrogate(SCHEMA, 30, { hyperSamples: spec.planner.model!.hyper_samples });
    expect((model as GaussianProcessSurrogate).config.hyperSamples).toBe(16);
    await expect(parseCampaignSpec(text.replace('hyper_samples: 16', 'hyper_samples: 500'), { baseDir: EXAMPLES, fileName: 'x.yaml' })).rejects.toThrow(/planner\.model\.hyper_samples/);
    await expect(parseCampaignSpec(text.replace('hyper_samples: 16', 'hyper_samples: 2.5'), { baseDir: EXAMPLES, fileName: 'x.yaml' })).rejects.toThrow(/planner\.model\.hyper_samples/);
  });
});
