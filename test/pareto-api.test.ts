/**
 * GET /api/campaigns/{id}/pareto over real HTTP: a two-target campaign (Branin–Currin on the
 * analytic lab, some results missing a target, an outcome constraint) runs its budget of 12 in the
 * service; the route's front, dominated and infeasible results and hypervolume curve are checked
 * against the stored results, worked out again here from the definitions (dominance, the
 * constraint), and the random-search reference against the test problem. A campaign with one
 * target gets a 409 naming the objective; the OpenAPI document lists the route. The printable
 * report shows the front and the trade-off table instead of one best result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listResults, listExperiments } from '../src/db/index.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';
import { paretoYaml, threeTargetYaml } from './pareto-helpers.js';

describe('GET /api/campaigns/{id}/pareto', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness();
    const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: paretoYaml('Pareto over HTTP') });
    expect(created.status).toBe(201);
    id = created.body.campaignId;
    await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to spend its budget', 120_000);
  }, 150_000);

  afterAll(async () => {
    await h?.close();
  });

  it('returns the front, the dominated and infeasible results and the hypervolume after each result', async () => {
    const { status, body } = await h.json(`/api/campaigns/${id}/pareto`, { token: h.tokens.viewer });
    expect(status).toBe(200);
    expect(body.targets).toEqual([
      { name: 'branin', direction: 'minimize', unit: null },
      { name: 'currin', direction: 'minimize', unit: null },
    ]);
    expect(body.constraints).toEqual([{ target: 'currin', operator: '<=', bound: 11 }]);

    // every stored result is accounted for once: front, dominated, infeasible or incomplete
    const experiments = await listExperiments(h.database.db, id);
    const seqOf = new Map(experiments.map((e) => [e.id, e.seq]));
    const stored = (await listResults(h.database.db, id)).filter((r) => !r.excludedReason).map((r) => ({ seq: seqOf.get(r.experimentId)!, values: r.values }));
    expect(stored.length).toBe(12);
    const listed = [...body.front, ...body.dominated, ...body.infeasible].map((p: { experiment: number }) => p.experiment);
    expect([...listed, ...body.incomplete].sort((a, b) => a - b)).toEqual(stored.map((r) => r.seq).sort((a, b) => a - b));
    for (const seq of body.incomplete) {
      const values = stored.find((r) => r.seq === seq)!.values;
      expect(values.branin === undefined || values.currin === undefined).toBe(true);
    }

    // the definitions, again: feasible = currin ≤ 11; front = not dominated by another feasible result (both minimised)
    const complete = stored.filter((r) => r.values.branin !== undefined && r.values.currin !== undefined);
    const feasible = complete.filter((r) => r.values.currin! <= 11);
    const dominates = (a: Record<string, number>, b: Record<string, number>) =>
      a.branin! <= b.branin! && a.currin! <= b.currin! && (a.branin! < b.branin! || a.currin! < b.currin!);
    const front = feasible.filter((r) => !feasible.some((o) => dominates(o.values, r.values))).map((r) => r.seq);
    expect(body.front.map((p: { experiment: number }) => p.experiment).sort((a: number, b: number) => a - b)).toEqual(front.sort((a, b) => a - b));
    expect(body.infeasible.map((p: { experiment: number }) => p.experiment).sort()).toEqual(complete.filter((r) => r.values.currin! > 11).map((r) => r.seq).sort());
    expect(body.front.length).toBeGreaterThan(0);
    // the trade-off table: branin best (lowest) first, with the conditions in words
    const branins = body.front.map((p: { values: { branin: number } }) => p.values.branin);
    expect(branins).toEqual([...branins].sort((a, b) => a - b));
    expect(body.front[0].conditions).toMatch(/^x1 [\d.]+, x2 [\d.]+$/);

    // hypervolume: one step per result, never falling, and at the end the front's hypervolume worked out by hand (2-D sweep)
    expect(body.hypervolume.map((s: { results: number }) => s.results)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const values = body.hypervolume.map((s: { value: number | null }) => s.value).filter((v: number | null) => v !== null) as number[];
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    const ref = body.reference as { branin: number; currin: number };
    const points = body.front.map((p: { values: { branin: number; currin: number } }) => p.values).sort((a: { branin: number }, b: { branin: number }) => a.branin - b.branin);
    let area = 0;
    let ceiling = ref.currin;
    for (const p of points) {
      if (p.currin < ceiling) {
        area += (ref.branin - p.branin) * (ceiling - p.currin);
        ceiling = p.currin;
      }
    }
    expect(values.at(-1)).toBeCloseTo(area, 9);
    // the reference: the front's worst on each target pushed out by 10 % of its range
    const worst = Math.max(...points.map((p: { branin: number }) => p.branin));
    const best = Math.min(...points.map((p: { branin: number }) => p.branin));
    expect(ref.branin).toBeCloseTo(worst + 0.1 * (worst - best || Math.max(Math.abs(worst), 1)), 9);

    // random search on the true (noise-free) problem, measured against the same reference
    expect(body.randomMissing).toBeNull();
    expect(body.random.source).toContain('branin-currin');
    expect(body.random.hypervolume).toHaveLength(12);
    for (let i = 1; i < 12; i++) expect(body.random.hypervolume[i]).toBeGreaterThanOrEqual(body.random.hypervolume[i - 1]);
  });

  it('puts the front, the hypervolume and the trade-off table in the printable report', async () => {
    const { body } = await h.json(`/api/campaigns/${id}/pareto`);
    const res = await h.call(`/api/campaigns/${id}/report`, { token: h.tokens.viewer });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toContain('id="report-best"');
    expect(page.match(/class="pt pt-front"/g)).toHaveLength(body.front.length);
    expect([...page.matchAll(/<tr id="front-(\d+)"/g)].map((m) => Number(m[1]))).toEqual(body.front.map((p: { experiment: number }) => p.experiment));
    expect(page).toContain('aria-labelledby="hypervolume-title hypervolume-desc"');
    // the report's route does not read a query: its column heads are not sort links
    expect(page).not.toContain('front_sort=');
  });

  it('three targets: every pair of targets in the report, the hypervolume in three dimensions', async () => {
    const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: threeTargetYaml('Three targets over HTTP') });
    expect(created.status).toBe(201);
    const three = created.body.campaignId as string;
    await waitFor(async () => (await h.json(`/api/campaigns/${three}`)).body.status === 'completed', 'the three-target campaign to spend its budget', 120_000);
    const { body } = await h.json(`/api/campaigns/${three}/pareto`);
    expect(body.targets.map((t: { name: string }) => t.name)).toEqual(['f1', 'f2', 'f3']);
    expect(body.front.length + body.dominated.length + body.incomplete.length).toBe(8);
    // the definitions in three dimensions: no front point beats another, every dominated one is beaten by one on the front
    const beats = (a: Record<string, number>, b: Record<string, number>) =>
      ['f1', 'f2', 'f3'].every((k) => a[k]! <= b[k]!) && ['f1', 'f2', 'f3'].some((k) => a[k]! < b[k]!);
    for (const p of body.front) for (const q of body.front) expect(beats(q.values, p.values)).toBe(false);
    for (const d of body.dominated) expect(body.front.some((p: { values: Record<string, number> }) => beats(p.values, d.values))).toBe(true);
    const values = body.hypervolume.map((s: { value: number | null }) => s.value).filter((v: number | null) => v !== null) as number[];
    expect(values.at(-1)).toBeGreaterThan(0);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(body.random.hypervolume).toHaveLength(8);
    const page = await (await h.call(`/api/campaigns/${three}/report`)).text();
    for (const pair of ['0-1', '0-2', '1-2']) expect(page).toContain(`id="pareto-${pair}-title"`);
    expect(page.match(/class="pt pt-front"/g)).toHaveLength(3 * body.front.length);
  }, 150_000);

  it('answers 409 for a campaign with one target, 404 for none, 401 without a token', async () => {
    const single = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: exampleYaml({ name: 'One target', experiments: 2, batch: 2, strategy: 'diverse' }) });
    expect(single.status).toBe(201);
    const refused = await h.json(`/api/campaigns/${single.body.campaignId}/pareto`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('not_pareto');
    expect(refused.body.error.field).toBe('objective');
    expect(refused.body.error.message).toContain('maximise yield');
    expect((await h.json('/api/campaigns/00000000-0000-4000-8000-000000000000/pareto')).status).toBe(404);
    expect((await h.json('/api/campaigns/not-an-id/pareto')).status).toBe(400);
    expect((await h.call(`/api/campaigns/${id}/pareto`, { token: null })).status).toBe(401);
  });

  it('is in the OpenAPI document, for any token', async () => {
    const { body } = await h.json('/api/openapi.json', { token: null });
    const operation = body.paths['/api/campaigns/{id}/pareto'].get;
    expect(operation['x-permission']).toBe('read');
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
  });
});
