/**
 * The model-backed parts of the API and the panel with a real trained surrogate: a Gaussian
 * process fitted on a finished campaign's results and stored as a model version, exactly as the
 * agent stores them. Predictions, the uncertainty landscape, model versions, and the panel's
 * predicted-against-observed plot all come from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpace } from '../src/agent/index.js';
import type { CampaignSpec } from '../src/campaign/index.js';
import { getCampaign, listObservations, saveModelVersion } from '../src/db/index.js';
import { GaussianProcessSurrogate, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import type { ModelAccess } from '../src/server/model-access.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';

let h: Harness;
let id: string;
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  h = await startHarness();
  const created = await h.json('/api/campaigns', {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: exampleYaml({ name: 'Modelled', experiments: 8, batch: 4, latencyMs: 0, strategy: 'diverse' }),
  });
  id = created.body.campaignId;
  await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to finish');

  const campaign = (await getCampaign(h.database.db, id))!;
  const space = await buildSpace(campaign.spec as unknown as CampaignSpec);
  const observations = await listObservations(h.database.db, id);
  const model = new GaussianProcessSurrogate(schemaFromSpace(space, ['yield']));
  await model.fit(
    { inputs: observations.map((o) => reactionInputOf(space, space.indexOfKey(o.candidateKey)!)), targets: { yield: observations.map((o) => o.values.yield!) } },
    { seed: 1 },
  );
  await saveModelVersion(h.database.db, id, await model.save());
});
afterAll(async () => {
  await h?.close();
});

describe('with a trained model', () => {
  it('lists the model version with its metrics', async () => {
    const { body } = await h.json(`/api/campaigns/${id}/models`);
    expect(body.models).toHaveLength(1);
    expect(body.models[0]).toMatchObject({ version: 1, kind: 'gp', trainingSize: 8 });
    expect(body.models[0]).not.toHaveProperty('weights');
  });

  it('predicts any candidate of the space with mean and σ, and refuses candidates outside it', async () => {
    const candidates = [
      { parameters: { base: 'Cesium acetate', ligand: 'XPhos', solvent: 'DMAc', concentration: 0.1, temperature: 105 } },
      { parameters: { base: 'Potassium pivalate', ligand: 'PPh3', solvent: 'p-Xylene', concentration: 0.057, temperature: 90 } },
    ];
    const res = await h.json(`/api/campaigns/${id}/predictions`, { method: 'POST', headers: json, body: JSON.stringify({ candidates }) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ version: 1, kind: 'gp' });
    for (const p of res.body.predictions) {
      expect(Number.isFinite(p.mean)).toBe(true);
      expect(p.sigma).toBeGreaterThan(0);
    }
    expect(res.body.predictions[0].parameters).toEqual(candidates[0]!.parameters);

    const outside = await h.json(`/api/campaigns/${id}/predictions`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ candidates: [candidates[0], { parameters: { ...candidates[0]!.parameters, temperature: 200 } }] }),
    });
    expect(outside).toMatchObject({ status: 422, body: { error: { code: 'unknown_candidate', field: 'candidates.1.parameters' } } });
  });

  it('maps the uncertainty over two parameters', async () => {
    const { body } = await h.json(`/api/campaigns/${id}/landscape?x=ligand&y=base`);
    expect(body.mode).toBe('model');
    expect(body.model).toEqual({ version: 1, kind: 'gp' });
    expect(body.cells).toHaveLength(12 * 4);
    expect(body.cells.every((c: { sigma: number }) => c.sigma > 0)).toBe(true);
  });

  it('points the Gaussian process at atoms by fingerprint occlusion', async () => {
    const res = await h.call(`/api/campaigns/${id}/experiments/1/attribution.svg?role=ligand`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    const svg = await res.text();
    // some atom of the ligand moves the prediction one way or the other
    expect(/#DB2626|#2659DB/.test(svg)).toBe(true);
  });

  it('shows predicted against observed, and the model version, on the campaign page', async () => {
    const page = await (await h.call(`/campaigns/${id}`)).text();
    expect(page).toContain('id="pred-obs-title"');
    expect((page.match(/class="errorbar"/g) ?? []).length).toBe(8);
    // The landscape shows the model's mean prediction and its σ, one heatmap each, with a cell per ligand × base pair.
    expect(page).toContain('Landscape: prediction and uncertainty');
    expect(page).toContain('id="landscape-mean-title">Landscape: mean predicted yield<');
    expect(page).toContain('id="landscape-title">Landscape: mean σ of the predicted yield<');
    expect((page.match(/<rect class="cell/g) ?? []).length).toBe(2 * 12 * 4);
    // the versions table names the kind in words ('gp' is the stored name)
    expect(page).toMatch(/<table id="model-versions">[\s\S]*<td class="num">1<\/td><td>Gaussian process<\/td><td class="num">8<\/td>/);
  });
});

describe('with a graph model that can point at atoms', () => {
  // Training a graph-network ensemble takes minutes on two cores, so a stand-in with the same
  // interface answers here: the first atom of each substance raises the prediction, the second lowers it.
  const graphLike: ModelAccess = {
    available: true,
    latest: async (_db, _campaign, space) => ({
      version: 3,
      kind: 'mpnn-ensemble',
      trainingSize: 8,
      metrics: {},
      predict: async (candidates) => ({ mean: Float64Array.from(candidates, () => 50), sigma: Float64Array.from(candidates, () => 5) }),
      predictInputs: async (inputs) => ({ mean: Float64Array.from(inputs, () => 50), sigma: Float64Array.from(inputs, () => 5) }),
      attributions: async (candidate) => Object.entries(space.substancesOf(candidate)).map(([role, smiles]) => ({ role, smiles, weights: [1, -1] })),
    }),
  };
  let g: Harness;
  let gid: string;
  beforeAll(async () => {
    g = await startHarness({ models: graphLike });
    gid = (await g.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: exampleYaml({ experiments: 3, batch: 3, strategy: 'diverse' }) })).body.campaignId;
    await waitFor(async () => (await g.json(`/api/campaigns/${gid}`)).body.status === 'completed', 'the campaign to finish');
  });
  afterAll(async () => {
    await g?.close();
  });

  it('draws a substance with the atoms behind the prediction coloured', async () => {
    const res = await g.call(`/api/campaigns/${gid}/experiments/1/attribution.svg?role=solvent`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    const svg = await res.text();
    expect(svg).toContain('#DB2626'); // red: raises
    expect(svg).toContain('#2659DB'); // blue: lowers
    expect((await g.json(`/api/campaigns/${gid}/experiments/1/attribution.svg?role=catalyst`)).body.error.code).toBe('role_not_found');
    const page = await (await g.call(`/campaigns/${gid}?explain=1`)).text();
    expect(page).toContain(`/api/campaigns/${gid}/experiments/1/attribution.svg?role=ligand`);
  });
});
