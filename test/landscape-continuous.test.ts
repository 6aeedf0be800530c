/**
 * The landscape of a campaign over continuous conditions: no list of candidates to fold, so the
 * API and the panel cut each continuous axis into equal steps with its unit, count the experiments
 * that fell in each cell, and ask the campaign's own stored model at each cell's centre. A real
 * campaign (examples/branin-continuous.yaml on the analytic lab) through the service, real PGlite.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObservations } from '../src/db/index.js';
import { EXAMPLES } from './helpers.js';
import { startHarness, waitFor, type Harness } from './api-harness.js';

let h: Harness;
let id: string;

beforeAll(async () => {
  h = await startHarness();
  const text = readFileSync(join(EXAMPLES, 'branin-continuous.yaml'), 'utf8').replace('experiments: 24', 'experiments: 12').replace('initial_results: 8', 'initial_results: 4');
  const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: text });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  id = created.body.campaignId;
  await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to finish', 240_000);
  await waitFor(async () => (await h.json(`/api/campaigns/${id}/models`)).body.models.length > 0, 'a stored model');
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('a landscape over continuous conditions', () => {
  it('bins each continuous axis with its unit, counts every experiment once and predicts at the cells', async () => {
    const { status, body } = await h.json(`/api/campaigns/${id}/landscape?x=temperature&y=residence_time`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ mode: 'model', target: 'score', searched: { bins: 12, heldAt: {} } });
    expect(body.x.name).toBe('temperature');
    expect(body.x.labels).toHaveLength(12);
    expect(body.x.labels[0]).toBe('20–28.3 °C');
    expect(body.x.labels[11]).toBe('112–120 °C');
    expect(body.y.labels[0]).toBe('0.5–2.96 min');
    expect(body.cells).toHaveLength(144);
    expect(body.cells.reduce((n: number, c: { tried: number }) => n + c.tried, 0)).toBe(12);
    for (const c of body.cells) {
      expect(Number.isFinite(c.mean)).toBe(true);
      expect(c.sigma).toBeGreaterThan(0);
    }
    // the best result lands in its cell, and the cell of each result holds at least it
    const observations = await listObservations(h.database.db, id);
    const best = Math.max(...observations.map((o) => o.values.score!));
    expect(Math.max(...body.cells.map((c: { best: number | null }) => c.best ?? -Infinity))).toBe(best);
    for (const o of observations) {
      const x = Math.min(11, Math.floor(((o.parameters.temperature as number) - 20) / (100 / 12)));
      const y = Math.min(11, Math.floor(((o.parameters.residence_time as number) - 0.5) / (29.5 / 12)));
      const cell = body.cells.find((c: { x: number; y: number }) => c.x === x && c.y === y);
      expect(cell.tried).toBeGreaterThanOrEqual(1);
      expect(cell.best).toBeGreaterThanOrEqual(o.values.score!);
    }
    // one axis alone: twelve cells
    const single = await h.json(`/api/campaigns/${id}/landscape?x=residence_time&y=residence_time`);
    expect(single.body.cells).toHaveLength(12);
    expect(single.body.y.labels).toEqual(['all']);
  });

  it('draws it on the campaign page with the steps and what the prediction is of', async () => {
    const page = await (await h.call(`/campaigns/${id}?x=temperature&y=residence_time`)).text();
    expect(page).toContain('Landscape: prediction and uncertainty');
    expect((page.match(/<rect class="cell/g) ?? []).length).toBe(2 * 144);
    expect(page).toContain('at the centre of each cell (continuous conditions in 12 equal steps)');
    expect(page).toContain('temperature (continuous, °C)');
    expect(page).toMatch(/experiments? in this cell\)/);
  });
});
