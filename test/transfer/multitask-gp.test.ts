// The multi-task GP (intrinsic coregionalisation) on synthetic tasks over a 2-D numeric grid: the
// learned correlation of a source that moves with the campaign's task is high, of an unrelated one
// near zero; a correlated source improves predictions from a few of the campaign's own results and
// an unrelated one does not make them worse than the plain GP's. Real fits, no mocks; small sizes.
import { describe, expect, it } from 'vitest';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate, loadSurrogate, MultiTaskGpSurrogate, type ReactionInput } from '../../src/models/index.js';
import { alsoRelated, at, grid, own, related, rmse, sample, schema, unrelated } from './synthetic-tasks.js';
import { sourcedShare } from '../../src/planner/bayesian-recommender.js';
import { rngFor, shuffled } from '../../src/util/random.js';

async function fitWith(source: ((p: ReactionInput) => number) | null, ownInputs: ReactionInput[]) {
  const sourceInputs = source ? sample(60, 'source') : [];
  const inputs = [...ownInputs, ...sourceInputs];
  const values = [...ownInputs.map(own), ...sourceInputs.map((p) => source!(p))];
  const tasks = [...ownInputs.map(() => ''), ...sourceInputs.map(() => 'source')];
  const model = new MultiTaskGpSurrogate(schema);
  await model.fit({ inputs, targets: { y: values }, tasks }, { seed: 1 });
  return model;
}

describe('multi-task GP (ICM)', () => {
  const ownInputs = sample(6, 'own');
  const truth = grid.map(own);

  it('learns a high correlation for a related source and improves on a cold GP', async () => {
    const model = await fitWith(related, ownInputs);
    expect(model.correlations.source).toBeGreaterThan(0.7);
    const cold = new GaussianProcessSurrogate(schema, { ...DEFAULT_GP_CONFIG, warpTargets: false });
    await cold.fit({ inputs: ownInputs, targets: { y: ownInputs.map(own) } }, { seed: 1 });
    const warm = rmse((await model.predict(grid)).y!.mean, truth);
    const coldError = rmse((await cold.predict(grid)).y!.mean, truth);
    expect(warm).toBeLessThan(0.6 * coldError);
    // saved and restored, it predicts the same
    const restored = await loadSurrogate(schema, await model.save());
    expect(Array.from((await restored.predict(grid.slice(0, 5))).y!.mean)).toEqual(Array.from((await model.predict(grid.slice(0, 5))).y!.mean));
  }, 60_000);

  it('learns a correlation near zero for an unrelated source, and predicts no worse than the same model without it', async () => {
    const model = await fitWith(unrelated, ownInputs);
    expect(Math.abs(model.correlations.source!)).toBeLessThan(0.35);
    const alone = await fitWith(null, ownInputs);
    const withSource = rmse((await model.predict(grid)).y!.mean, truth);
    const without = rmse((await alone.predict(grid)).y!.mean, truth);
    expect(withSource).toBeLessThan(1.15 * without);
  }, 60_000);

  it('learns from sources that agree with one another before the campaign has a result of its own', async () => {
    // two plates of related tasks and none of the campaign's: only the sources' agreement tells ρ
    // (all ρ = 0 is a stationary point of the likelihood; a fit started there never moved)
    const first = sample(50, 'first-source');
    const second = sample(50, 'second-source');
    const model = new MultiTaskGpSurrogate(schema);
    await model.fit({ inputs: [...first, ...second], targets: { y: [...first.map(related), ...second.map(alsoRelated)] }, tasks: [...first.map(() => 'a'), ...second.map(() => 'b')] }, { seed: 1 });
    expect(Math.abs(model.correlations.a!)).toBeGreaterThan(0.7);
    expect(Math.abs(model.correlations.b!)).toBeGreaterThan(0.7);
    expect(model.sourceAgreement).toBeGreaterThan(0.5);
    // the campaign's task is predicted from them: its shape, though not its level, which no row of its own has shown
    const mean = Array.from((await model.predict(grid)).y!.mean);
    const centred = (v: number[]) => { const m = v.reduce((s, x) => s + x, 0) / v.length; return v.map((x) => x - m); };
    const [p, t] = [centred(mean), centred(truth)];
    const r = p.reduce((s, x, i) => s + x * t[i]!, 0) / Math.sqrt(p.reduce((s, x) => s + x * x, 0) * t.reduce((s, x) => s + x * x, 0));
    expect(r).toBeGreaterThan(0.8);
  }, 60_000);

  it('finds sources whose values are shuffled to agree no more than chance', async () => {
    const first = sample(50, 'first-source');
    const second = sample(50, 'second-source');
    const shuffledValues = (inputs: ReactionInput[], f: (p: ReactionInput) => number, label: string) => shuffled(inputs.map(f), rngFor(5, label));
    const model = new MultiTaskGpSurrogate(schema);
    await model.fit({ inputs: [...first, ...second], targets: { y: [...shuffledValues(first, related, 'a'), ...shuffledValues(second, alsoRelated, 'b')] }, tasks: [...first.map(() => 'a'), ...second.map(() => 'b')] }, { seed: 1 });
    expect(model.sourceAgreement).toBeLessThan(0.3);
  }, 60_000);

  it('drops a source whose values are shuffled once the campaign has results to judge it by, and keeps a related one', async () => {
    const ownTen = sample(10, 'own-ten');
    const sourceInputs = sample(60, 'source');
    const shuffledValues = shuffled(sourceInputs.map(own), rngFor(3, 'shuffle'));
    const fit = async (values: number[] | null) => {
      const model = new MultiTaskGpSurrogate(schema);
      const report = await model.fit(
        values
          ? { inputs: [...ownTen, ...sourceInputs], targets: { y: [...ownTen.map(own), ...values] }, tasks: [...ownTen.map(() => ''), ...sourceInputs.map(() => 'source')] }
          : { inputs: ownTen, targets: { y: ownTen.map(own) }, tasks: ownTen.map(() => '') },
        { seed: 1 },
      );
      return { model, report };
    };
    const shuffledFit = await fit(shuffledValues);
    expect(shuffledFit.report.metrics?.transfer_used).toBe(0);
    // the source gains less than the 1 nat over the 10 own results it must earn
    expect(shuffledFit.report.metrics!.loo_log_density_with_sources! - shuffledFit.report.metrics!.loo_log_density_own_only!).toBeLessThan(1 / 10);
    expect(shuffledFit.model.correlations.source).toBe(0);
    // dropped, the campaign is modelled exactly as if it had started cold: by the default GP on its own results
    const cold = new GaussianProcessSurrogate(schema);
    await cold.fit({ inputs: ownTen, targets: { y: ownTen.map(own) } }, { seed: 1 });
    const [a, b] = [await shuffledFit.model.predict(grid), await cold.predict(grid)];
    a.y!.mean.forEach((m, i) => expect(m).toBeCloseTo(b.y!.mean[i]!, 6));
    a.y!.sigma.forEach((s, i) => expect(s).toBeCloseTo(b.y!.sigma[i]!, 6));
    // and so it is after a save and restore
    const restored = await loadSurrogate(schema, await shuffledFit.model.save());
    (await restored.predict(grid)).y!.mean.forEach((m, i) => expect(m).toBeCloseTo(b.y!.mean[i]!, 6));

    const relatedFit = await fit(sourceInputs.map(related));
    expect(relatedFit.report.metrics?.transfer_used).toBe(1);
    expect(relatedFit.model.correlations.source).toBeGreaterThan(0.7);
  }, 60_000);
});

describe('the first batch planned from related sources', () => {
  it('takes the agreement beyond chance of the batch, always leaves one space-filling pick, and none without sources', () => {
    expect(sourcedShare(undefined, 5)).toBe(0);
    expect(sourcedShare(0, 5)).toBe(0);
    expect(sourcedShare(0.95, 5)).toBe(4); // one kept space-filling
    expect(sourcedShare(1, 5)).toBe(4);
    expect(sourcedShare(0.5, 4)).toBe(2);
    expect(sourcedShare(0.05, 5)).toBe(0);
    expect(sourcedShare(0.9, 1)).toBe(1);
    expect(sourcedShare(0.3, 1)).toBe(0);
  });
});
