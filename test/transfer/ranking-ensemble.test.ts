// The ranking-weighted GP ensemble (RGPE) on synthetic tasks over a 2-D numeric grid: with no
// result of its own the campaign is predicted by the sources' consensus; a source that ranks the
// campaign's results as they came out keeps its weight and improves on a cold GP, an unrelated one
// loses its weight to the campaign's own model; saved and restored it predicts the same. Real fits.
import { describe, expect, it } from 'vitest';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate, loadSurrogate, RankingEnsembleSurrogate, type ReactionInput } from '../../src/models/index.js';
import { alsoRelated, at, grid, own, related, rmse, sample, schema, unrelated } from './synthetic-tasks.js';
import { pearson } from '../../src/models/metrics.js';
import { rngFor, shuffled } from '../../src/util/random.js';

async function fit(sources: Record<string, (p: ReactionInput) => number>, ownInputs: ReactionInput[]) {
  const inputs: ReactionInput[] = [...ownInputs];
  const values = ownInputs.map(own);
  const tasks = ownInputs.map(() => '');
  for (const [name, f] of Object.entries(sources)) {
    const rows = sample(60, `source-${name}`);
    inputs.push(...rows);
    values.push(...rows.map(f));
    tasks.push(...rows.map(() => name));
  }
  const model = new RankingEnsembleSurrogate(schema);
  const report = await model.fit({ inputs, targets: { y: values }, tasks }, { seed: 1 });
  return { model, report };
}

describe('ranking-weighted GP ensemble (RGPE)', () => {
  const truth = grid.map(own);

  it('predicts a campaign without results from its sources: their consensus, weighed as far as they agree', async () => {
    const { model, report } = await fit({ a: related, b: alsoRelated }, []);
    expect(model.sourceAgreement).toBeGreaterThan(0.5);
    // the sources share the agreement equally, the campaign's own model (its prior) the rest
    expect(model.weights.a).toBeCloseTo(model.sourceAgreement! / 2, 9);
    expect(model.weights.b).toBeCloseTo(model.sourceAgreement! / 2, 9);
    expect(report.metrics.own_weight).toBeCloseTo(1 - model.sourceAgreement!, 9);
    expect(report.metrics.source_rows).toBe(120);
    expect(pearson((await model.predict(grid)).y!.mean, truth)).toBeGreaterThan(0.9);
  }, 60_000);

  it('sources that agree no more than chance get no share of the first batch', async () => {
    const noise = (label: string) => (p: ReactionInput) => 50 + 30 * (rngFor(3, label, at(p).x, at(p).z)() - 0.5);
    const { model, report } = await fit({ a: noise('a'), b: noise('b'), c: noise('c') }, []);
    expect(model.sourceAgreement).toBeLessThan(0.25);
    expect(report.metrics.own_weight).toBeGreaterThan(0.75);
  }, 60_000);

  it('keeps a source that ranks the campaign right and beats a cold GP; restores bit for bit', async () => {
    const ownInputs = sample(8, 'own');
    const { model } = await fit({ related }, ownInputs);
    expect(model.weights.related).toBeGreaterThan(0.5);
    const cold = new GaussianProcessSurrogate(schema, DEFAULT_GP_CONFIG);
    await cold.fit({ inputs: ownInputs, targets: { y: ownInputs.map(own) } }, { seed: 1 });
    const warm = rmse((await model.predict(grid)).y!.mean, truth);
    expect(warm).toBeLessThan(0.6 * rmse((await cold.predict(grid)).y!.mean, truth));
    const restored = await loadSurrogate(schema, await model.save());
    expect(restored.kind).toBe('gp-ranking-ensemble');
    expect(Array.from((await restored.predict(grid.slice(0, 5))).y!.mean)).toEqual(Array.from((await model.predict(grid.slice(0, 5))).y!.mean));
  }, 60_000);

  it('gives an unrelated source little weight once the campaign has results, and predicts about as well as its own GP', async () => {
    const ownInputs = sample(20, 'own-many');
    const { model } = await fit({ unrelated }, ownInputs);
    expect(model.weights.unrelated).toBeLessThan(0.2);
    const cold = new GaussianProcessSurrogate(schema, DEFAULT_GP_CONFIG);
    await cold.fit({ inputs: ownInputs, targets: { y: ownInputs.map(own) } }, { seed: 1 });
    expect(rmse((await model.predict(grid)).y!.mean, truth)).toBeLessThan(1.2 * rmse((await cold.predict(grid)).y!.mean, truth));
  }, 60_000);
});
