/**
 * Honest model views on a real campaign and a real Gaussian process (tfjs, RDKit fingerprints):
 * predicted against observed comes from held-out (leave-one-out) predictions whose R² and RMSE are
 * the model's own cv_r2 and cv_rmse; Shapley contributions add up to the prediction minus the
 * model's average; neighbours are ranked by the kernel.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpace } from '../src/agent/index.js';
import type { CampaignSpec } from '../src/campaign/index.js';
import { getCampaign, listExperiments, listObservations, saveModelVersion, type CampaignRow } from '../src/db/index.js';
import { GaussianProcessSurrogate, reactionInputOf, schemaFromSpace } from '../src/models/index.js';
import { EventFeed } from '../src/server/event-feed.js';
import { explainPrediction, parameterImportance, predictedVsObserved } from '../src/server/insights.js';
import { Services } from '../src/server/services.js';
import { backgroundOf, shapleyValues } from '../src/server/shapley.js';
import { storedModels } from '../src/server/stored-models.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';
import { EXAMPLES } from './helpers.js';

describe('Shapley values', () => {
  it('give an additive function its own terms, and add up to prediction minus average', async () => {
    // f = 3·a + b² + 10·[c = 2], over candidates whose "values" are their own index per parameter
    const f = (row: number[]) => 3 * row[0]! + row[1]! ** 2 + (row[2] === 2 ? 10 : 0);
    const background = [0, 1, 2, 3];
    const [r] = await shapleyValues([2], background, 3, async (rows) => Float64Array.from(rows, f));
    const mean = (g: (b: number) => number) => background.reduce((s, b) => s + g(b), 0) / background.length;
    expect(r!.values[0]).toBeCloseTo(3 * 2 - mean((b) => 3 * b), 10);
    expect(r!.values[1]).toBeCloseTo(4 - mean((b) => b * b), 10);
    expect(r!.values[2]).toBeCloseTo(10 - mean((b) => (b === 2 ? 10 : 0)), 10);
    expect(r!.prediction).toBeCloseTo(f([2, 2, 2]), 10);
    expect(r!.values.reduce((s, v) => s + v, 0)).toBeCloseTo(r!.prediction - r!.base, 10);
  });

  it('split an interaction evenly between its two parameters', async () => {
    const [r] = await shapleyValues([1], [0], 2, async (rows) => Float64Array.from(rows, (row) => row[0]! * row[1]!));
    expect(r!.values[0]).toBeCloseTo(0.5, 10);
    expect(r!.values[1]).toBeCloseTo(0.5, 10);
  });

  it('spreads the background over the space', () => {
    expect(backgroundOf(100, 4)).toEqual([12, 37, 62, 87]);
    expect(backgroundOf(3, 16)).toEqual([0, 1, 2]);
  });
});

describe('model views over a trained Gaussian process', () => {
  let h: Harness;
  let services: Services;
  let row: CampaignRow;
  let gp: GaussianProcessSurrogate;

  beforeAll(async () => {
    h = await startHarness();
    const created = await h.json('/api/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: exampleYaml({ name: 'Model views', experiments: 20, batch: 5, latencyMs: 0, strategy: 'diverse' }),
    });
    const id = created.body.campaignId as string;
    await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to finish', 60_000);
    row = (await getCampaign(h.database.db, id))!;
    const space = await buildSpace(row.spec as unknown as CampaignSpec);
    const observations = await listObservations(h.database.db, id);
    gp = new GaussianProcessSurrogate(schemaFromSpace(space, ['yield'], { yield: [0, 100] }));
    await gp.fit({ inputs: observations.map((o) => reactionInputOf(space, space.indexOfKey(o.candidateKey)!)), targets: { yield: observations.map((o) => o.values.yield!) } }, { seed: 1 });
    await saveModelVersion(h.database.db, id, await gp.save());
    services = new Services(h.database, h.supervisor, new EventFeed(h.database.db), storedModels(), EXAMPLES);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('plots held-out predictions whose R² and RMSE are the model’s cross-validated ones', async () => {
    const view = (await predictedVsObserved(services, row))!;
    expect(view.points).toHaveLength(20);
    expect(view.points.every((p) => p.seq !== undefined)).toBe(true);
    const metrics = (await gp.save()).metrics;
    expect(view.r2).toBeCloseTo(metrics.cv_r2!, 6);
    expect(view.rmse).toBeCloseTo(metrics.cv_rmse!, 6);
    // a training-fit plot would show the model's predictions of data it has seen: much closer to the diagonal
    const space = await services.space(row);
    const experiments = await listExperiments(h.database.db, row.id);
    const candidates = view.points.map((p) => space.indexOfKey(experiments.find((e) => e.seq === p.seq)!.candidateKey)!);
    const fitted = (await gp.predict(candidates.map((c) => reactionInputOf(space, c)))).yield!;
    const fitRmse = Math.sqrt(view.points.reduce((s, p, i) => s + (p.observed - fitted.mean[i]!) ** 2, 0) / view.points.length);
    expect(view.rmse!).toBeGreaterThan(fitRmse * 1.2);
    const differing = view.points.filter((p, i) => Math.abs(p.mean - fitted.mean[i]!) > 0.5).length;
    expect(differing).toBeGreaterThan(view.points.length / 2);
  });

  it('explains a prediction: Shapley contributions add up to prediction minus average, neighbours by kernel similarity', async () => {
    const experiments = await listExperiments(h.database.db, row.id);
    const e = experiments[7]!;
    const x = await explainPrediction(services, row, e);
    const sum = x.contributions.reduce((s, c) => s + c.contribution, 0);
    expect(sum).toBeCloseTo(x.mean - x.base, 6);
    expect(x.contributions.map((c) => c.parameter)).toEqual((await services.space(row)).parameters.map((p) => p.name));
    expect(x.contributions.map((c) => c.parameter).sort()).toEqual(['base', 'concentration', 'ligand', 'solvent', 'temperature']);
    expect(x.contributions.find((c) => c.parameter === 'ligand')!.value).toBe(e.parameters.ligand);
    expect(x.sigma).toBeGreaterThan(0);
    expect(x.neighbours).toHaveLength(5);
    expect(x.neighbours.map((n) => n.seq)).not.toContain(e.seq);
    for (let i = 1; i < x.neighbours.length; i++) expect(x.neighbours[i - 1]!.similarity).toBeGreaterThanOrEqual(x.neighbours[i]!.similarity);
    expect(x.neighbours[0]!.similarity).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('ranks the parameters by mean absolute contribution', async () => {
    const importance = (await parameterImportance(services, row))!;
    expect(importance.parameters).toHaveLength(5);
    expect(importance.explained).toBe(12);
    for (let i = 1; i < importance.parameters.length; i++) expect(importance.parameters[i - 1]!.importance).toBeGreaterThanOrEqual(importance.parameters[i]!.importance);
    expect(importance.parameters[0]!.importance).toBeGreaterThan(0);
  });

  it('answers the same over HTTP: explanation and importance', async () => {
    const x = (await h.json(`/api/campaigns/${row.id}/experiments/8/explanation`)).body;
    expect(x.contributions.reduce((s: number, c: { contribution: number }) => s + c.contribution, 0)).toBeCloseTo(x.mean - x.base, 6);
    expect(x.neighbours.length).toBe(5);
    const importance = await h.json(`/api/campaigns/${row.id}/importance`, { token: h.tokens.viewer });
    expect(importance.status).toBe(200);
    expect(importance.body.parameters.map((p: { parameter: string }) => p.parameter).sort()).toEqual(['base', 'concentration', 'ligand', 'solvent', 'temperature']);
    expect((await h.json(`/api/campaigns/${row.id}/experiments/999/explanation`)).status).toBe(404);
  });

  it('exports the held-out predictions and their R² and RMSE with the Excel workbook', async () => {
    const view = (await predictedVsObserved(services, row))!;
    const response = await h.call(`/api/campaigns/${row.id}/export.xlsx`, { token: h.tokens.viewer });
    expect(response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.getWorksheet('Held-out predictions')!;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(['experiment', 'observed yield (%)', 'predicted without it (%)', 'σ (%)', 'model version']);
    const rows: number[][] = [];
    sheet.eachRow((r, n) => {
      if (n > 1) rows.push((r.values as number[]).slice(1));
    });
    expect(rows).toHaveLength(20);
    for (const [i, p] of view.points.entries()) expect(rows[i]).toEqual([p.seq, p.observed, p.mean, p.sigma, view.version]);
    // the observed column is the campaign's results, as the API reports them
    const results = (await h.json(`/api/campaigns/${row.id}/results`)).body.results as { seq: number; values: { yield: number } }[];
    for (const r of rows) expect(r[1]).toBe(results.find((x) => x.seq === r[0])!.values.yield);
    const about = new Map<string, unknown>();
    workbook.getWorksheet('Campaign')!.eachRow((r) => about.set(String(r.getCell(1).value), r.getCell(2).value));
    expect(about.get('held-out R²')).toBeCloseTo(view.r2!, 9);
    expect(about.get('held-out RMSE (%)')).toBeCloseTo(view.rmse!, 9);

    // the same points as CSV, and the panel links to them under its plot
    const csv = await h.call(`/api/campaigns/${row.id}/held-out.csv`, { token: h.tokens.viewer });
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe('experiment,observed yield (%),predicted without it (%),sigma (%),model version');
    expect(lines.slice(1).map((l) => l.split(',').map(Number))).toEqual(view.points.map((p) => [p.seq, p.observed, p.mean, p.sigma, view.version]));
    expect(await (await h.call(`/campaigns/${row.id}`)).text()).toContain(`href="/api/campaigns/${row.id}/held-out.csv"`);
  });

  it('says why there are no held-out predictions before a model', async () => {
    const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: exampleYaml({ name: 'No model yet', experiments: 2, batch: 2, latencyMs: 0, strategy: 'diverse' }) });
    const response = await h.json(`/api/campaigns/${created.body.campaignId}/held-out.csv`);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('no_held_out');
  });
});
