/**
 * The GP's output warping where a campaign's results pile up high (many yields at 80–99 %): the
 * Yeo–Johnson λ then reaches its upper limit 2, whose inverse is exponential below the data, and
 * predictions used to explode (28 ± 3,588 %). Real RDKit, real tfjs, the published direct
 * arylation grid.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { initChem } from '../src/chem/index.js';
import { DEFAULT_GP_CONFIG, GaussianProcessSurrogate } from '../src/models/gp.js';
import { initTensorBackend, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import { fitLogitWarping, fitWarping, unwarp, unwarpMoments, warp, type Warping } from '../src/models/warping.js';
import type { SearchSpace } from '../src/planner/space.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { EXAMPLES } from './helpers.js';

/** Twenty results of a campaign that found the good region early. */
const HIGH = [99, 97, 96, 95, 95, 94, 93, 92, 92, 91, 90, 89, 88, 87, 86, 85, 84, 82, 81, 80];

describe('the output warping on high results', () => {
  it('chooses λ at its upper limit, and maps even a far tail back to finite values near the data', () => {
    const w = fitWarping(HIGH);
    expect(w.lambda).toBeGreaterThan(1.95);
    for (const v of [80, 88.5, 99]) expect(unwarp(w, warp(w, v))).toBeCloseTo(v, 8);
    // 6 warped σ below the data: the pure transform's inverse is exponential there
    const legacy: Warping = { ...w };
    delete legacy.range;
    const far = unwarpMoments(legacy, -6, 2);
    expect(Math.abs(far.mean) + far.sd).toBeGreaterThan(1e3); // what campaigns saw before
    const guarded = unwarpMoments(w, -6, 2);
    expect(Number.isFinite(guarded.mean) && Number.isFinite(guarded.sd)).toBe(true);
    expect(guarded.sd).toBeLessThan(100);
    expect(guarded.mean).toBeGreaterThan(-100);
    // with the objective's bounds, the prediction is the posterior censored at them
    const held = unwarpMoments(w, -6, 2, [0, 100]);
    expect(held.mean).toBeGreaterThanOrEqual(0);
    expect(held.mean).toBeLessThanOrEqual(100);
    expect(held.sd).toBeLessThanOrEqual(50);
  });

  it('the logit warping of a bounded target cannot leave the bounds however wide the posterior', () => {
    const w = fitLogitWarping([0, 0, 3, 12, ...HIGH, 100], [0, 100]);
    for (const v of [1, 12, 50, 88.5, 99]) expect(unwarp(w, warp(w, v))).toBeCloseTo(v, 8);
    // 0 and 100 are read one margin inside the bounds
    expect(unwarp(w, warp(w, 0))).toBeCloseTo(1, 8);
    for (const [mu, sigma] of [[-40, 30], [0, 50], [40, 30], [3, 0.1]] as const) {
      const m = unwarpMoments(w, mu, sigma);
      expect(m.mean).toBeGreaterThanOrEqual(0);
      expect(m.mean).toBeLessThanOrEqual(100);
      expect(m.sd).toBeLessThanOrEqual(50);
    }
  });
});

describe('the GP on a landscape with many high results', () => {
  let space: SearchSpace;
  let observed: { candidate: number; value: number }[];
  let all: number[];

  beforeAll(async () => {
    await initChem();
    await initTensorBackend({ log: null });
    const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
    if (spec.lab.type !== 'simulator') throw new Error('the example runs on the dataset simulator');
    const columns = spec.lab.columns;
    space = await buildSpace(spec);
    const { rows } = await readCsv(join(EXAMPLES, 'data', 'direct_arylation.csv'));
    const truth = rows.flatMap((row) => {
      const key = space.keyOfRow(row, columns);
      const candidate = key === null ? undefined : space.indexOfKey(key);
      return candidate === undefined ? [] : [{ candidate, value: Number(row.yield) }];
    });
    // twenty of the 200 best reactions (yields from about 60 to 100 %) and five at random
    const rng = rngFor(2, 'high-results');
    const best = [...truth].sort((a, b) => b.value - a.value).slice(0, 200);
    observed = [...shuffled(best, rng).slice(0, 20), ...shuffled(truth, rng).slice(0, 5)];
    all = truth.map((t) => t.candidate);
  });

  async function predictEverywhere(model: GaussianProcessSurrogate) {
    await model.fit({ inputs: observed.map((o) => reactionInputOf(space, o.candidate)), targets: { yield: observed.map((o) => o.value) } }, { seed: 2 });
    return (await model.predict(all.map((c) => reactionInputOf(space, c)))).yield!;
  }

  it('predicts finite means within the bounds and σ no wider than them, with the default warping', async () => {
    const posterior = await predictEverywhere(new GaussianProcessSurrogate(schemaFromSpace(space, ['yield'], { yield: [0, 100] })));
    for (let i = 0; i < all.length; i++) {
      expect(Number.isFinite(posterior.mean[i]!) && Number.isFinite(posterior.sigma[i]!)).toBe(true);
      expect(posterior.mean[i]!).toBeGreaterThanOrEqual(0);
      expect(posterior.mean[i]!).toBeLessThanOrEqual(100);
      expect(posterior.sigma[i]!).toBeLessThanOrEqual(50);
    }
  });

  it('keeps Yeo–Johnson predictions bounded too, with bounds and without', async () => {
    const yeoJohnson = { ...DEFAULT_GP_CONFIG, logitBoundedTargets: false };
    const bounded = await predictEverywhere(new GaussianProcessSurrogate(schemaFromSpace(space, ['yield'], { yield: [0, 100] }), yeoJohnson));
    expect(Math.min(...bounded.mean)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...bounded.mean)).toBeLessThanOrEqual(100);
    expect(Math.max(...bounded.sigma)).toBeLessThanOrEqual(50);
    // without bounds only the linear tails guard it (before them, σ in the thousands on such data)
    const free = await predictEverywhere(new GaussianProcessSurrogate(schemaFromSpace(space, ['yield']), yeoJohnson));
    expect(Math.max(...free.sigma)).toBeLessThan(100);
    expect(Math.min(...free.mean)).toBeGreaterThan(-50);
    expect(Math.max(...free.mean)).toBeLessThan(150);
  });
});
