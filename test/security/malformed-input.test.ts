/**
 * Issue 15, item 8: malformed text is refused with a 4xx naming the field, never a 500. NUL bytes
 * and lone surrogates cannot be stored by PostgreSQL or PGlite (text and jsonb), CR/LF in a
 * redirect target cannot go into a Location header, and over-long names are refused before they
 * reach the database. Real HTTP on loopback against a real PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleYaml, startHarness, waitFor, type Harness } from '../api-harness.js';

let h: Harness;
let campaignId: string;
beforeAll(async () => {
  h = await startHarness();
  const created = await h.json('/api/campaigns', { method: 'POST', headers: yaml, body: exampleYaml({ name: 'Malformed input', experiments: 6, batch: 3 }) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  campaignId = created.body.campaignId;
  await waitFor(async () => (await h.json(`/api/campaigns/${campaignId}`)).body.status === 'completed', 'the campaign to finish', 120_000);
});
afterAll(async () => {
  await h?.close();
});

const yaml = { 'content-type': 'application/yaml' };
const json = { 'content-type': 'application/json' };
/** JSON text with escapes JSON.stringify would keep as written: \u0000 and an unpaired \ud800. */
const NUL = '\\u0000';
const LONE_SURROGATE = '\\ud800';

function expectRefusal(res: { status: number; body: any }, field: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
  const named = [res.body.error.field, ...(res.body.error.issues ?? []).map((i: { path: string }) => i.path)].join(' ');
  expect(named, JSON.stringify(res.body)).toMatch(field);
}

describe('malformed text in what the API stores', () => {
  it('refuses a campaign name with a NUL byte (JSON escape, YAML escape, raw byte)', async () => {
    const asJson = exampleYaml({ name: 'placeholder' });
    for (const body of [
      asJson.replace(/^name: .*$/m, 'name: "before\\0after"'),
      asJson.replace(/^name: .*$/m, 'name: before\u0000after'),
    ]) {
      expectRefusal(await h.json('/api/campaigns', { method: 'POST', headers: yaml, body }), /^name\b/);
      expectRefusal(await h.json('/api/campaigns/validate', { method: 'POST', headers: yaml, body }), /^name\b/);
    }
  });

  it('refuses a campaign name with a lone surrogate', async () => {
    const body = exampleYaml().replace(/^name: .*$/m, 'name: "half \\ud800 a pair"');
    expectRefusal(await h.json('/api/campaigns', { method: 'POST', headers: yaml, body }), /^name\b/);
  });

  it('refuses a NUL byte anywhere in a campaign file, even a comment (the file is stored as written)', async () => {
    const body = exampleYaml({ name: 'Comment with NUL' }) + '# a comment \u0000 here\n';
    const res = await h.json('/api/campaigns', { method: 'POST', headers: yaml, body });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(JSON.stringify(res.body.error)).toMatch(/NUL/);
  });

  it('refuses an over-long campaign name', async () => {
    const body = exampleYaml({ name: 'x'.repeat(5_000) });
    expectRefusal(await h.json('/api/campaigns', { method: 'POST', headers: yaml, body }), /^name\b/);
  });

  it('refuses NUL and lone surrogates in operator reasons (stop, exclude, cancel)', async () => {
    for (const bad of [NUL, LONE_SURROGATE]) {
      const reason = `{"reason":"because ${bad} so"}`;
      expectRefusal(await h.json(`/api/campaigns/${campaignId}/results/1/exclude`, { method: 'POST', headers: json, body: reason }), /^reason$/);
      expectRefusal(await h.json(`/api/campaigns/${campaignId}/stop`, { method: 'POST', headers: json, body: reason }), /^reason$/);
      expectRefusal(await h.json(`/api/campaigns/${campaignId}/experiments/2/cancel`, { method: 'POST', headers: json, body: reason }), /^reason$/);
    }
    // nothing was excluded by the refused requests
    const events = (await h.json(`/api/campaigns/${campaignId}/events`)).body.events as { type: string }[];
    expect(events.some((e) => /exclu/.test(e.type))).toBe(false);
  });

  it('refuses NUL and lone surrogates in the names of measured quantities, in JSON and in CSV', async () => {
    for (const bad of [NUL, LONE_SURROGATE]) {
      const body = `{"results":[{"experiment":1,"values":{"yield${bad}":5}}]}`;
      expectRefusal(await h.json(`/api/campaigns/${campaignId}/results`, { method: 'POST', headers: json, body }), /^results\.0\.values/);
    }
    const csv = await h.json(`/api/campaigns/${campaignId}/results/csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'experiment,yield\u0000x\n1,5\n' });
    expect(csv.status, JSON.stringify(csv.body)).toBe(422);
  });

  it('refuses NUL in planner settings changed over the API', async () => {
    const body = `{"planner":{"strategy":"bayes${NUL}"}}`;
    expectRefusal(await h.json(`/api/campaigns/${campaignId}`, { method: 'PATCH', headers: json, body }), /^planner\.strategy/);
  });
});

describe('malformed redirect targets', () => {
  it('answers a signed-in /signin?next= with CR/LF by sending the person home, not a 500', async () => {
    const signIn = await h.call('/api/session', { method: 'POST', headers: { ...json, origin: h.url }, body: JSON.stringify({ token: h.tokens.viewer }), token: null });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    for (const next of ['/%0d%0aSet-Cookie:%20evil=1', '/ok%0a', '/%00']) {
      const res = await h.call(`/signin?next=${next}`, { headers: { cookie }, token: null, redirect: 'manual' });
      expect(res.status, next).toBe(303);
      expect(res.headers.get('location'), next).toBe('/');
      expect(res.headers.get('set-cookie'), next).toBeNull();
    }
  });

  it('answers a sign-in form posted with a CR/LF next by sending the person home', async () => {
    const form = new URLSearchParams({ token: h.tokens.viewer, next: '/campaigns\r\nSet-Cookie: evil=1' });
    const res = await h.call('/signin', { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' }, body: form, token: null, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });
});
