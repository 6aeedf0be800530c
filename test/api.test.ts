/**
 * The HTTP API over real HTTP on loopback: tokens and roles, the error shape, validation of
 * campaign files and requests, operator actions with their events, results by hand and by CSV,
 * Server-Sent Events, the panel's cookie session and its CSRF defence, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const yaml = { 'content-type': 'application/yaml' };
const json = { 'content-type': 'application/json' };

async function createCampaign(text: string): Promise<string> {
  const res = await h.json('/api/campaigns', { method: 'POST', headers: yaml, body: text });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.campaignId as string;
}

async function experiments(id: string, query = ''): Promise<any[]> {
  return (await h.json(`/api/campaigns/${id}/experiments${query}`)).body.experiments;
}

async function eventsOf(id: string): Promise<{ type: string; actor: string; payload: any; at: string }[]> {
  return (await h.json(`/api/campaigns/${id}/events`)).body.events;
}

describe('auth', () => {
  it('refuses requests without a valid token, and mutations without the right role', async () => {
    expect(await h.json('/api/campaigns', { token: null })).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
    expect((await h.json('/api/campaigns', { token: 'ath_' + 'x'.repeat(43) })).status).toBe(401);
    expect((await h.json('/api/campaigns', { token: 'not a token' })).status).toBe(401);
    expect((await h.json('/api/campaigns', { token: h.tokens.viewer })).status).toBe(200);

    const id = '00000000-0000-4000-8000-000000000000';
    for (const token of [h.tokens.viewer, h.tokens.lab]) {
      const refused = await h.json(`/api/campaigns/${id}/pause`, { method: 'POST', token });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect(refused.body.error.message).toMatch(/operator/);
    }
    expect((await h.json('/api/campaigns', { method: 'POST', headers: yaml, body: exampleYaml(), token: h.tokens.viewer })).status).toBe(403);
    // a lab token may report results to the campaigns it is bound to (and is then told the campaign does not exist), never steer
    expect((await h.json(`/api/campaigns/${id}/results`, { method: 'POST', headers: json, body: JSON.stringify({ results: [{ experiment: 1, values: { yield: 1 } }] }), token: await h.labToken([id]) })).status).toBe(404);
  });

  it('leaves health, the OpenAPI document and its reference page public', async () => {
    expect((await h.json('/api/health', { token: null })).body).toMatchObject({ ok: true, database: 'pglite' });
    const doc = await h.json('/api/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const page = await h.call('/api/docs', { token: null });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/api/campaigns/{id}/pause');
  });

  it('signs the panel in with an HTTP-only SameSite cookie and refuses cross-site mutations that rely on it', async () => {
    const bad = await h.json('/api/session', { method: 'POST', headers: { ...json, origin: h.url }, body: JSON.stringify({ token: 'ath_nope' }), token: null });
    expect(bad).toMatchObject({ status: 401, body: { error: { code: 'invalid_token', field: 'token' } } });
    // sign-in itself must come from our own pages (login CSRF)
    const foreign = await h.call('/api/session', { method: 'POST', headers: { ...json, origin: 'https://evil.example' }, body: JSON.stringify({ token: h.tokens.viewer }), token: null });
    expect(foreign.status).toBe(403);

    const res = await h.call('/api/session', { method: 'POST', headers: { ...json, origin: h.url }, body: JSON.stringify({ token: h.tokens.viewer }), token: null });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^athanor_session=[A-Za-z0-9_-]{43};/); // a session id, not the token
    expect(setCookie).not.toContain(h.tokens.viewer);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    expect((await h.json('/api/session', { headers: { cookie }, token: null })).body).toEqual({ name: 'victor', role: 'viewer' });

    // a mutation carried by the cookie alone needs our Origin (or Sec-Fetch-Site: same-origin)
    const id = '00000000-0000-4000-8000-000000000000';
    const crossSite = await h.json(`/api/campaigns/${id}/pause`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' }, token: null });
    expect(crossSite).toMatchObject({ status: 403, body: { error: { code: 'cross_site_request' } } });
    const noOrigin = await h.json(`/api/campaigns/${id}/pause`, { method: 'POST', headers: { cookie }, token: null });
    expect(noOrigin.body.error.code).toBe('cross_site_request');
    const sameSite = await h.json(`/api/campaigns/${id}/pause`, { method: 'POST', headers: { cookie, origin: h.url }, token: null });
    expect(sameSite.body.error.code).toBe('forbidden'); // got past CSRF; a viewer still may not pause

    const out = await h.call('/api/session', { method: 'DELETE', headers: { cookie, origin: h.url }, token: null });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/athanor_session=;/);
  });
});

describe('validation and the error shape', () => {
  it('answers malformed requests with {error: {code, message, field}}', async () => {
    expect(await h.json('/api/campaigns/not-a-uuid')).toEqual({
      status: 400,
      body: { error: { code: 'invalid_id', message: 'a campaign id is a UUID', field: 'id' } },
    });
    const missing = await h.json('/api/campaigns/00000000-0000-4000-8000-000000000000');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'campaign_not_found', field: 'id' } } });
    expect(await h.json('/api/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const events = await h.json('/api/campaigns/00000000-0000-4000-8000-000000000000/events?after=-1');
    expect(events).toMatchObject({ status: 400, body: { error: { code: 'invalid_query', field: 'after' } } });
    const big = await h.json('/api/campaigns', { method: 'POST', headers: yaml, body: 'x'.repeat(1_100_000) });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
    const notJson = await h.json('/api/session', { method: 'POST', headers: { ...json, origin: h.url }, body: '{oops', token: null });
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
  });

  it('reports every problem of a campaign file with its field and line, and creates nothing', async () => {
    const before = (await h.json('/api/campaigns')).body.campaigns.length;
    const broken = exampleYaml().replace(/^(\s*)batch: 5$/m, '$1batch: 0').replace(/^(\s*)noise_sd: 0$/m, '$1noise_sd: -1');
    for (const path of ['/api/campaigns/validate', '/api/campaigns']) {
      const res = await h.json(path, { method: 'POST', headers: yaml, body: broken });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('invalid_campaign');
      const issues = res.body.error.issues as { path: string; line: number; message: string }[];
      expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['budget.batch', 'lab.noise_sd']));
      const batch = issues.find((i) => i.path === 'budget.batch')!;
      expect(broken.split('\n')[batch.line - 1]).toContain('batch: 0');
      expect(res.body.error.field).toBe(issues[0]!.path);
    }
    // a campaign sent over the network may not read files outside the data folder
    const escape = await h.json('/api/campaigns/validate', { method: 'POST', headers: yaml, body: exampleYaml().replace('data/direct_arylation.csv', '../package.json') });
    expect(escape.status).toBe(422);
    expect(escape.body.error.issues.map((i: { path: string }) => i.path)).toContain('lab.dataset');
    expect((await h.json('/api/campaigns/validate', { method: 'POST', headers: yaml, body: exampleYaml() })).body.valid).toBe(true);
    expect((await h.json('/api/campaigns')).body.campaigns.length).toBe(before);
  });
});

describe('a campaign steered over the API', () => {
  let id: string;

  beforeAll(async () => {
    // A slow lab keeps experiments in flight, so there is something to cancel and to report by hand.
    id = await createCampaign(exampleYaml({ name: 'Steered', experiments: 12, batch: 3, latencyMs: 600_000, strategy: 'diverse' }));
    await waitFor(async () => (await experiments(id, '?status=dispatched')).length === 3, 'the first batch in the lab');
  });

  it('pauses and resumes, recording who did it', async () => {
    const paused = await h.json(`/api/campaigns/${id}/pause`, { method: 'POST' });
    expect(paused).toMatchObject({ status: 200, body: { status: 'paused', state: 'paused' } });
    expect((await h.json(`/api/campaigns/${id}/pause`, { method: 'POST' })).status).toBe(200); // idempotent
    const resumed = await h.json(`/api/campaigns/${id}/resume`, { method: 'POST' });
    expect(resumed.body.status).toBe('running');
    const events = await eventsOf(id);
    expect(events.find((e) => e.type === 'campaign.paused')).toMatchObject({ actor: 'olivia' });
    expect(events.find((e) => e.type === 'campaign.resumed')).toMatchObject({ actor: 'olivia' });
  });

  it('changes the budget and the planner, validated by the campaign file schema', async () => {
    const invalid = await h.json(`/api/campaigns/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ budget: { experiments: 0 } }) });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'invalid_body', field: 'budget.experiments' } } });
    const typo = await h.json(`/api/campaigns/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ planner: { acqusition: 'ei' } }) });
    expect(typo.status).toBe(400);
    const tooLow = await h.json(`/api/campaigns/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ budget: { experiments: 2 } }) });
    expect(tooLow).toMatchObject({ status: 422, body: { error: { code: 'budget_below_used', field: 'budget.experiments' } } });

    const ok = await h.json(`/api/campaigns/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ budget: { experiments: 15 }, planner: { initial_design: 'random' } }) });
    expect(ok.status).toBe(200);
    expect(ok.body.budget).toBe(15);
    expect(h.supervisor.runner(id)?.spec.budget.experiments).toBe(15); // the running loop sees it too
    expect(h.supervisor.runner(id)?.spec.planner.initial_design).toBe('random');
    const spec = (await h.json(`/api/campaigns/${id}/spec`)).body.spec;
    expect(spec.budget).toEqual({ experiments: 15, batch: 3 });
    const changed = (await eventsOf(id)).find((e) => e.type === 'campaign.settings-changed')!;
    expect(changed.actor).toBe('olivia');
    expect(changed.payload.budget).toEqual({ from: { experiments: 12, batch: 3 }, to: { experiments: 15, batch: 3 } });
  });

  it('stores results by hand exactly once, within the bounds, quarantining unknown experiments', async () => {
    const [first, second] = await experiments(id, '?status=dispatched');
    const out = await h.json(`/api/campaigns/${id}/results`, { method: 'POST', headers: json, body: JSON.stringify({ results: [{ experiment: first.seq, values: { yield: 150 } }] }) });
    expect(out).toMatchObject({ status: 422, body: { error: { code: 'invalid_results', field: 'results[0].yield' } } });
    expect(out.body.error.message).toMatch(/bounds \[0, 100\]/);
    const unknownName = await h.json(`/api/campaigns/${id}/results`, { method: 'POST', headers: json, body: JSON.stringify({ results: [{ experiment: first.seq, values: { yeild: 5 } }] }) });
    expect(unknownName.status).toBe(422);

    const body = JSON.stringify({ results: [{ experiment: first.seq, values: { yield: 42.5 } }, { experiment: '11111111-1111-4111-8111-111111111111', values: { yield: 10 } }] });
    const stored = await h.json(`/api/campaigns/${id}/results`, { method: 'POST', headers: json, body });
    expect(stored.status).toBe(200);
    expect(stored.body.results).toEqual([
      { experiment: first.seq, outcome: 'stored', seq: first.seq },
      { experiment: '11111111-1111-4111-8111-111111111111', outcome: 'quarantined', reason: 'no experiment of this campaign has this id' },
    ]);
    const again = await h.json(`/api/campaigns/${id}/results`, { method: 'POST', headers: json, body });
    expect(again.body.results[0].outcome).toBe('duplicate');

    // a lab token reports through the same path; the source says who
    const byLab = await h.json(`/api/campaigns/${id}/results`, { method: 'POST', headers: json, body: JSON.stringify({ results: [{ experiment: second.id, values: { yield: 7 } }] }), token: await h.labToken([id]) });
    expect(byLab.body.results[0].outcome).toBe('stored');
    const results = (await h.json(`/api/campaigns/${id}/results`)).body.results;
    expect(results.map((r: { source: string }) => r.source)).toEqual(['manual:olivia', 'lab-token:robot-1']);
  });

  it('takes results as CSV, refusing the whole file when a row is wrong', async () => {
    const [third] = await experiments(id, '?status=dispatched');
    const bad = await h.call(`/api/campaigns/${id}/results/csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `experiment,yield\n${third.seq},55\n999,abc\n` });
    expect(bad.status).toBe(422);
    const error = ((await bad.json()) as any).error;
    expect(error.code).toBe('invalid_csv');
    expect(error.issues[0]).toMatchObject({ line: 3, message: '"abc" is not a decimal number' });
    expect((await experiments(id, '?status=completed')).length).toBe(2);

    const good = await h.json(`/api/campaigns/${id}/results/csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `experiment,yield\n${third.seq},55\n` });
    expect(good.body.results).toEqual([{ experiment: third.seq, outcome: 'stored', seq: third.seq }]);
  });

  it('excludes a result from training and includes it again', async () => {
    const excluded = await h.json(`/api/campaigns/${id}/results/1/exclude`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'pipette error' }) });
    expect(excluded.body).toMatchObject({ seq: 1, excluded: true, changed: true });
    expect((await h.json(`/api/campaigns/${id}`)).body.bestSoFar).not.toContain(42.5);
    const noReason = await h.json(`/api/campaigns/${id}/results/1/exclude`, { method: 'POST', headers: json, body: JSON.stringify({ reason: ' ' }) });
    expect(noReason).toMatchObject({ status: 400, body: { error: { field: 'reason' } } });
    const included = await h.json(`/api/campaigns/${id}/results/1/exclude`, { method: 'DELETE' });
    expect(included.body).toMatchObject({ excluded: false, changed: true });
    const types = (await eventsOf(id)).filter((e) => e.actor === 'olivia').map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['result.excluded', 'result.included']));
    const notYet = await h.json(`/api/campaigns/${id}/results/12/exclude`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'x' }) });
    expect(notYet.status).toBe(404);
  });

  it('cancels an experiment in the lab, and the planner proposes another in its place', async () => {
    const open = await waitFor(async () => {
      const inLab = new Set((await eventsOf(id)).filter((e) => e.type === 'experiment.dispatched').map((e) => e.payload.seq));
      const list = (await experiments(id, '?status=dispatched')).filter((e) => inLab.has(e.seq));
      return list.length > 0 && list;
    }, 'an experiment in the lab');
    const target = open[0];
    const cancelled = await h.json(`/api/campaigns/${id}/experiments/${target.seq}/cancel`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'reagent ran out' }) });
    expect(cancelled.body.experiment, JSON.stringify(cancelled.body)).toMatchObject({ seq: target.seq, status: 'cancelled' });
    const again = await h.json(`/api/campaigns/${id}/experiments/${target.seq}/cancel`, { method: 'POST' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'experiment_finished' } } });
    const event = (await eventsOf(id)).find((e) => e.type === 'experiment.cancelled')!;
    expect(event).toMatchObject({ actor: 'olivia', payload: { seq: target.seq, reason: 'reagent ran out' } });
  });

  it('stops for good', async () => {
    const stopped = await h.json(`/api/campaigns/${id}/stop`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'enough' }) });
    expect(stopped.body.status, JSON.stringify(stopped.body)).toBe('stopped');
    expect((await h.json(`/api/campaigns/${id}`)).body.outcome).toBe('enough');
    const types = (await eventsOf(id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['campaign.stop-requested', 'campaign.stopped']));
    expect((await h.json(`/api/campaigns/${id}/pause`, { method: 'POST' })).body.error.code).toBe('campaign_finished');
    expect((await h.json(`/api/campaigns/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ budget: { experiments: 40 } }) })).status).toBe(409);
  });
});

describe('live events', () => {
  it('streams a campaign’s events as Server-Sent Events, and replays what a reconnecting client missed', async () => {
    const id = await createCampaign(exampleYaml({ name: 'Streamed', experiments: 6, batch: 3, latencyMs: 50, strategy: 'diverse' }));
    const controller = new AbortController();
    const res = await h.call(`/api/campaigns/${id}/events/stream`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const messages: { id?: string; event?: string; data: any }[] = [];
    const done = (m: (typeof messages)[number]) => m.event === 'campaign-event' && m.data.type === 'campaign.completed';
    while (!messages.some(done)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
        if (fields.data !== undefined) messages.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
    }
    controller.abort();
    expect(messages[0]).toMatchObject({ event: 'ready' });
    const events = messages.filter((m) => m.event === 'campaign-event');
    const ids = events.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const types = events.map((m) => m.data.type);
    expect(types[0]).toBe('campaign.created');
    expect(types.filter((t) => t === 'result.stored')).toHaveLength(6);
    expect(events.every((m) => m.data.campaignId === id)).toBe(true);

    // reconnecting with Last-Event-ID replays only what came after
    const resume = ids[ids.length - 3]!;
    const replay = new AbortController();
    const again = await h.call(`/api/campaigns/${id}/events/stream`, { signal: replay.signal, headers: { 'last-event-id': String(resume) } });
    const reader2 = again.body!.getReader();
    let text = '';
    while ((text.match(/event: campaign-event/g) ?? []).length < 2) text += decoder.decode((await reader2.read()).value);
    replay.abort();
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(-2));
  });
});

describe('what the planner believes', () => {
  let id: string;
  beforeAll(async () => {
    id = (await h.json('/api/campaigns')).body.campaigns.find((c: { name: string }) => c.name === 'Streamed').campaignId;
  });

  it('says plainly when there is no model yet', async () => {
    expect((await h.json(`/api/campaigns/${id}/models`)).body).toEqual({ models: [] });
    const prediction = await h.json(`/api/campaigns/${id}/predictions`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ candidates: [{ parameters: { base: 'Cesium acetate', ligand: 'XPhos', solvent: 'DMAc', concentration: 0.1, temperature: 105 } }] }),
    });
    expect(prediction.status).toBe(409);
    expect(prediction.body.error.code).toBe('no_model');
    const map = await h.json(`/api/campaigns/${id}/landscape?x=ligand&y=solvent`);
    expect(map.body).toMatchObject({ mode: 'observed', x: { name: 'ligand' }, y: { name: 'solvent' } });
    expect(map.body.cells).toHaveLength(12 * 4);
    expect(map.body.cells.reduce((n: number, c: { tried: number }) => n + c.tried, 0)).toBe(6);
    expect((await h.json(`/api/campaigns/${id}/landscape?x=colour`)).status).toBe(422);
  });

  it('draws molecules, with highlighted or weighted atoms', async () => {
    const plain = await h.call('/api/molecules/depiction.svg?smiles=CC(=O)O&width=120&height=90');
    expect(plain.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    const svg = await plain.text();
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("width='120px'");
    const weighted = await (await h.call('/api/molecules/depiction.svg?smiles=CC(=O)O&weights=0.9,-0.5,0,0.1')).text();
    expect(weighted).toContain('#DB2626'); // red for the positive weight
    const bad = await h.json('/api/molecules/depiction.svg?smiles=C1CC(');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_smiles', field: 'smiles' } } });
  });
});

describe('the OpenAPI document', () => {
  it('is generated from the schemas that validate the requests', async () => {
    const doc = (await h.json('/api/openapi.json', { token: null })).body;
    const patch = doc.paths['/api/campaigns/{id}'].patch;
    const body = patch.requestBody.content['application/json'].schema;
    expect(body.properties.budget.properties).toHaveProperty('experiments');
    expect(body.properties.planner.properties).toHaveProperty('acquisition');
    expect(patch['x-permission']).toBe('operate');
    expect(patch.responses).toHaveProperty('401');
    const create = doc.paths['/api/campaigns'].post.requestBody.content['application/yaml'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['name', 'objective', 'space', 'budget', 'lab']));
    expect(doc.paths['/api/campaigns/{id}/events/stream'].get.responses['200'].content).toHaveProperty('text/event-stream');
    expect(doc.paths['/api/health'].get.security).toEqual([]);
    expect(doc.paths['/api/campaigns/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  });
});
