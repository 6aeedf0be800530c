/**
 * Issue 15, finding 4: results written into another campaign. Every result, callback and action is
 * scoped to the campaign it was sent to: an experiment id of another campaign is quarantined in
 * the campaign it was posted to (listed there, with an event), never stored into, nor failing, the
 * other one. Lab tokens reach only the campaigns they are bound to. Also finding 8's malformed
 * callbacks (NUL bytes, lone surrogates, deep nesting): a 4xx naming the problem, never a 503 loop.
 * Real HTTP on loopback, real tokens, real PGlite, a real reference robot behind campaign A's lab.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNewCampaign } from '../../src/agent/index.js';
import { parseCampaignSpec } from '../../src/campaign/index.js';
import { labCallbackRegistry } from '../../src/lab-adapters/http/callback-endpoint.js';
import { signedHeaders } from '../../src/lab-adapters/http/signature.js';
import { DatasetOracle } from '../../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startHttpRobot, type HttpReferenceRobot } from '../../src/lab-adapters/reference-robot/http-robot.js';
import { readCsv } from '../../src/util/csv.js';
import { exampleYaml, startHarness, waitFor, type Harness } from '../api-harness.js';
import { EXAMPLES } from '../helpers.js';

const SECRET = randomBytes(32).toString('hex');
const json = { 'content-type': 'application/json' };
let h: Harness;
let robot: HttpReferenceRobot;
/** A: an HTTP robot with signed callbacks. B: a simulator whose experiments stay in flight. */
let a: string;
let b: string;
let bExperiments: { id: string; seq: number; status: string }[];

beforeAll(async () => {
  h = await startHarness();
  const created = await h.json('/api/campaigns', {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: exampleYaml({ name: 'Campaign B', experiments: 6, batch: 3, latencyMs: 600_000 }),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  b = created.body.campaignId;
  bExperiments = await waitFor(async () => {
    const list = (await h.json(`/api/campaigns/${b}/experiments?status=dispatched`)).body.experiments;
    return list?.length >= 3 ? list : undefined;
  }, "campaign B's experiments in its lab", 120_000);

  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  const oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  robot = await startHttpRobot({ oracle, source: file, capacity: 10, minLatencyMs: 600_000, port: 0, secret: SECRET });
  process.env.ATHANOR_TENANCY_TEST_SECRET = SECRET;
  const text = readFileSync(join(EXAMPLES, 'direct-arylation-robot-http-callback.yaml'), 'utf8')
    .replace('http://127.0.0.1:7411', robot.url)
    .replace(/secret_env: \S+/, 'secret_env: ATHANOR_TENANCY_TEST_SECRET')
    .replace(/^name: .*$/m, 'name: Campaign A');
  const spec = await parseCampaignSpec(text, { baseDir: EXAMPLES });
  const row = await createNewCampaign(h.database.db, spec, text, 'test');
  a = row.id;
  await h.supervisor.run(row);
  await waitFor(async () => labCallbackRegistry.get(a) !== undefined, "campaign A's callback endpoint", 60_000);
}, 240_000);

afterAll(async () => {
  await h?.close();
  await robot?.close();
  delete process.env.ATHANOR_TENANCY_TEST_SECRET;
});

async function experimentOfB(seq: number) {
  return (await h.json(`/api/campaigns/${b}/experiments`)).body.experiments.find((e: { seq: number }) => e.seq === seq);
}

async function quarantineOf(id: string): Promise<{ experimentId: string; reason: string; campaignId: string }[]> {
  const res = await h.json(`/api/campaigns/${id}/quarantine`);
  expect(res.status).toBe(200);
  return res.body.quarantined;
}

describe('results stay in the campaign they were sent to', () => {
  it("stores a lab token's result naming another campaign's experiment nowhere: quarantined in the campaign posted to, listed and evented there", async () => {
    const target = bExperiments[0]!;
    const token = await h.labToken([a], 'robot-a');
    const res = await h.json(`/api/campaigns/${a}/results`, {
      method: 'POST',
      headers: json,
      token,
      body: JSON.stringify({ results: [{ experiment: target.id, values: { yield: 50 } }] }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results).toEqual([{ experiment: target.id, outcome: 'quarantined', reason: 'no experiment of this campaign has this id' }]);
    // B is untouched: the experiment is still in its lab, B has no result
    expect((await experimentOfB(target.seq)).status).toBe('dispatched');
    expect((await h.json(`/api/campaigns/${b}/results`)).body.results).toEqual([]);
    // A keeps the report, and says so
    const kept = await quarantineOf(a);
    expect(kept.filter((q) => q.experimentId === target.id)).toEqual([expect.objectContaining({ campaignId: a, reason: 'no experiment of this campaign has this id' })]);
    expect(await quarantineOf(b)).toEqual([]);
    const events = (await h.json(`/api/campaigns/${a}/events`)).body.events as { type: string; payload: { experimentId?: string } }[];
    expect(events.some((e) => e.type === 'result.quarantined' && e.payload.experimentId === target.id)).toBe(true);
  });

  it('refuses a value outside the bounds of the campaign posted to, whatever campaign the id names', async () => {
    const token = await h.labToken([a], 'robot-a');
    const res = await h.json(`/api/campaigns/${a}/results`, { method: 'POST', headers: json, token, body: JSON.stringify({ results: [{ experiment: bExperiments[1]!.id, values: { yield: 5000 } }] }) });
    expect(res.status).toBe(422);
    expect((await experimentOfB(bExperiments[1]!.seq)).status).toBe('dispatched');
  });

  it("keeps a signed callback with one lab's key from storing into, or failing, another campaign's experiment", async () => {
    const [, second, third] = bExperiments as [unknown, { id: string; seq: number }, { id: string; seq: number }];
    const post = (payload: unknown) => {
      const body = JSON.stringify(payload);
      return h.call(`/api/labs/${a}/results`, { method: 'POST', token: null, headers: { ...json, ...signedHeaders(SECRET, body) }, body });
    };
    const stored = await post({ experimentId: second.id, status: 'completed', values: { yield: 42 } });
    expect(stored.status, await stored.clone().text()).toBe(200);
    const failed = await post({ experimentId: third.id, status: 'failed', reason: 'clogged needle' });
    expect(failed.status, await failed.clone().text()).toBe(200);
    expect((await experimentOfB(second.seq)).status).toBe('dispatched');
    expect((await experimentOfB(third.seq)).status).toBe('dispatched');
    expect((await h.json(`/api/campaigns/${b}/results`)).body.results).toEqual([]);
    const kept = await quarantineOf(a);
    expect(kept.map((q) => q.experimentId)).toEqual(expect.arrayContaining([second.id, third.id]));
  });
});

describe('lab tokens are bound to their campaigns', () => {
  it('reaches only the campaigns a lab token is bound to; an unbound (legacy) lab token reaches none', async () => {
    const token = await h.labToken([a], 'robot-a');
    const body = JSON.stringify({ results: [{ experiment: 1, values: { yield: 50 } }] });
    const elsewhere = await h.json(`/api/campaigns/${b}/results`, { method: 'POST', headers: json, token, body });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.code).toBe('campaign_not_allowed');
    expect((await h.json(`/api/campaigns/${b}/experiments`, { token })).status).toBe(403);
    expect((await h.json(`/api/campaigns/${b}`, { token })).status).toBe(403);
    // the same answer for a campaign that does not exist: nothing learnt about other campaigns
    expect((await h.json('/api/campaigns/00000000-0000-4000-8000-000000000000', { token })).status).toBe(403);
    expect((await h.json('/api/campaigns', { token })).body.campaigns.map((c: { campaignId: string }) => c.campaignId)).toEqual([a]);
    expect((await h.json('/api/events/stream', { token })).status).toBe(403);
    expect((await h.json(`/api/campaigns/${a}/experiments`, { token })).status).toBe(200);

    const unbound = await h.json(`/api/campaigns/${b}/results`, { method: 'POST', headers: json, token: h.tokens.lab, body });
    expect(unbound.status).toBe(403);
    expect(unbound.body.error.code).toBe('token_not_bound');
    expect(unbound.body.error.message).toMatch(/athanor token bind/);
    expect((await h.json(`/api/campaigns/${b}/results`)).body.results).toEqual([]);
    // operators and viewers are not bound
    expect((await h.json(`/api/campaigns/${b}/experiments`, { token: h.tokens.viewer })).status).toBe(200);
  });
});

describe('malformed callbacks are refused, not deferred for ever', () => {
  const post = (body: string) => h.call(`/api/labs/${a}/results`, { method: 'POST', token: null, headers: { ...json, ...signedHeaders(SECRET, body) }, body });
  const id = () => bExperiments[0]!.id;
  const cases: [string, () => string, RegExp][] = [
    ['a NUL byte in an extra field', () => `{"experimentId":"${id()}","status":"completed","values":{"yield":5},"note":"a\\u0000b"}`, /NUL/],
    ['a NUL byte in a failure reason', () => `{"experimentId":"${id()}","status":"failed","reason":"jam\\u0000med"}`, /NUL/],
    ['a lone surrogate in a key', () => `{"experimentId":"${id()}","status":"completed","values":{"yield":5},"x\\ud800":1}`, /surrogate/],
    ['nesting 5,000 deep', () => `{"experimentId":"${id()}","status":"completed","values":{"yield":5},"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`, /deeper/],
  ];
  for (const [what, body, message] of cases) {
    it(`answers ${what} with a 4xx naming it`, async () => {
      const res = await post(body());
      const answer = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, JSON.stringify(answer)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(answer)).toBeLessThan(500);
      expect(answer.error.message).toMatch(message);
      // a resend gets the same answer: nothing was half stored
      expect((await post(body())).status).toBe(res.status);
    });
  }
});
