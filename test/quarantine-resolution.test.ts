/**
 * Nothing reported is dropped: a repeat with different values is a `conflict` (the stored result
 * stands, the report is quarantined with its raw payload, source and reason, and an event), and an
 * operator — only an operator — assigns a quarantined report to an experiment without a result or
 * discards it with a reason, over the real HTTP API and in the panel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { quarantineReport } from '../src/db/index.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';

let h: Harness;
let id: string;
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  h = await startHarness();
  // A slow lab keeps the first batch in flight: experiments without results to assign reports to.
  const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: exampleYaml({ name: 'Quarantine', experiments: 6, batch: 3, latencyMs: 600_000, strategy: 'diverse' }) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  id = created.body.campaignId;
  await waitFor(async () => (await experiments()).filter((e) => e.status === 'dispatched').length === 3, 'the first batch in the lab');
});
afterAll(async () => {
  await h?.close();
});

async function experiments(): Promise<{ id: string; seq: number; status: string }[]> {
  return (await h.json(`/api/campaigns/${id}/experiments`)).body.experiments;
}
const report = (results: unknown[], token?: string) =>
  h.json(`/api/campaigns/${id}/results`, { method: 'POST', headers: json, body: JSON.stringify({ results }), ...(token ? { token } : {}) });

describe('quarantine: conflicts, assignment and discarding', () => {
  it('a repeat with other values is a conflict, quarantined with its payload and an event; the same values are a duplicate', async () => {
    const [first] = (await experiments()).filter((e) => e.status === 'dispatched');
    expect((await report([{ experiment: first!.seq, values: { yield: 40 } }])).body.results[0].outcome).toBe('stored');
    expect((await report([{ experiment: first!.seq, values: { yield: 40 } }])).body.results[0].outcome).toBe('duplicate');
    const lab = await h.labToken([id]);
    const conflict = await report([{ experiment: first!.id, values: { yield: 77.7 } }], lab);
    expect(conflict.status).toBe(200);
    expect(conflict.body.results[0]).toMatchObject({ outcome: 'conflict', seq: first!.seq });
    expect(conflict.body.results[0].reason).toMatch(/conflicting duplicate.*"yield":40.*"yield":77.7/);
    // the stored result stands
    const results = (await h.json(`/api/campaigns/${id}/results`)).body.results;
    expect(results.find((r: { seq: number }) => r.seq === first!.seq).values).toEqual({ yield: 40 });
    expect(results[0].raw).toBeUndefined(); // raw payloads only when asked for
    const withRaw = (await h.json(`/api/campaigns/${id}/results?raw=true`)).body.results;
    expect(withRaw.find((r: { seq: number }) => r.seq === first!.seq).raw).toMatchObject({ entered: 'manual', by: 'olivia', values: { yield: 40 } });
    const quarantined = (await h.json(`/api/campaigns/${id}/quarantine`)).body.quarantined;
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ experimentId: first!.id, source: 'lab-token:robot-1', raw: { values: { yield: 77.7 } }, resolution: null });
    expect(quarantined[0].reason).toMatch(/conflicting duplicate/);
    const events = (await h.json(`/api/campaigns/${id}/events`)).body.events as { type: string; payload: any }[];
    expect(events.filter((e) => e.type === 'result.quarantined').map((e) => e.payload.experimentId)).toEqual([first!.id]);
    // sent again word for word: acknowledged the same way, not kept twice
    expect((await report([{ experiment: first!.id, values: { yield: 77.7 } }], lab)).body.results[0].outcome).toBe('conflict');
    expect((await h.json(`/api/campaigns/${id}/quarantine`)).body.quarantined).toHaveLength(1);
  });

  it('an operator assigns a quarantined report to an experiment without a result; viewers and labs may not', async () => {
    const stranger = '22222222-2222-4222-8222-222222222222';
    expect((await report([{ experiment: stranger, values: { yield: 12.5 } }])).body.results[0].outcome).toBe('quarantined');
    const row = (await h.json(`/api/campaigns/${id}/quarantine`)).body.quarantined.find((q: { experimentId: string }) => q.experimentId === stranger);
    const [, open] = (await experiments()).filter((e) => e.status === 'dispatched');
    const assign = (body: unknown, token?: string) =>
      h.json(`/api/campaigns/${id}/quarantine/${row.id}/assign`, { method: 'POST', headers: json, body: JSON.stringify(body), ...(token ? { token } : {}) });
    expect((await assign({ experiment: open!.seq }, h.tokens.viewer)).status).toBe(403);
    expect((await assign({ experiment: open!.seq }, await h.labToken([id], 'robot-2'))).status).toBe(403);
    expect(await assign({ experiment: 999 })).toMatchObject({ status: 404, body: { error: { code: 'experiment_not_found', field: 'experiment' } } });
    expect(await assign({ experimnt: 1 })).toMatchObject({ status: 400 });
    const completed = (await experiments()).find((e) => e.status === 'completed')!;
    expect(await assign({ experiment: completed.seq })).toMatchObject({ status: 409, body: { error: { code: 'experiment_completed' } } });

    const done = await assign({ experiment: open!.seq, reason: 'the robot sent it under a wrong id' });
    expect(done).toMatchObject({ status: 200, body: { resolution: 'assigned', seq: open!.seq, values: { yield: 12.5 } } });
    expect((await experiments()).find((e) => e.seq === open!.seq)?.status).toBe('completed');
    const results = (await h.json(`/api/campaigns/${id}/results`)).body.results;
    expect(results.find((r: { seq: number }) => r.seq === open!.seq)).toMatchObject({ values: { yield: 12.5 }, source: 'quarantine:olivia' });
    const listed = (await h.json(`/api/campaigns/${id}/quarantine`)).body.quarantined.find((q: { id: string }) => q.id === row.id);
    expect(listed).toMatchObject({ resolution: 'assigned', assignedExperimentId: open!.id, resolvedBy: 'olivia', resolutionReason: 'the robot sent it under a wrong id' });
    expect(await assign({ experiment: open!.seq })).toMatchObject({ status: 409, body: { error: { code: 'already_resolved' } } });
    const events = (await h.json(`/api/campaigns/${id}/events`)).body.events as { type: string; actor: string; payload: any }[];
    expect(events.find((e) => e.type === 'quarantine.assigned')).toMatchObject({ actor: 'olivia', payload: { quarantineId: row.id, seq: open!.seq, previousStatus: 'dispatched' } });
  });

  it('a report refused for a value outside the bounds stays refused: assigning it is a 422 naming the rule, nothing stored', async () => {
    // what the campaign runner keeps when a lab reports 140 % in a [0, 100] campaign
    const stray = randomUUID();
    await quarantineReport(h.database.db, { campaignId: id, experimentId: stray, reason: "refused (out_of_bounds): values.yield: 140 lies outside the objective's bounds [0, 100]", raw: { experimentId: stray, status: 'completed', values: { yield: 140 } }, source: 'lab:test' });
    const row = (await h.json(`/api/campaigns/${id}/quarantine`)).body.quarantined.find((q: { experimentId: string }) => q.experimentId === stray);
    const open = (await experiments()).find((e) => e.status === 'dispatched');
    const answer = await h.json(`/api/campaigns/${id}/quarantine/${row.id}/assign`, { method: 'POST', headers: json, body: JSON.stringify({ experiment: open!.seq }) });
    expect(answer).toMatchObject({ status: 422, body: { error: { code: 'out_of_bounds', field: 'quarantineId', message: expect.stringMatching(/140 lies outside the objective's bounds \[0, 100\]/) } } });
    expect((await experiments()).find((e) => e.id === open!.id)?.status).toBe('dispatched');
  });

  it('an operator discards a quarantined report with a reason; it stays listed', async () => {
    const conflict = (await h.json(`/api/campaigns/${id}/quarantine`)).body.quarantined.find((q: { reason: string }) => /conflicting/.test(q.reason));
    const discard = (body: unknown, token?: string) =>
      h.json(`/api/campaigns/${id}/quarantine/${conflict.id}/discard`, { method: 'POST', headers: json, body: JSON.stringify(body), ...(token ? { token } : {}) });
    expect((await discard({ reason: 'x' }, h.tokens.viewer)).status).toBe(403);
    expect(await discard({})).toMatchObject({ status: 400, body: { error: { field: 'reason' } } });
    expect(await discard({ reason: 'another client of the broker, not our robot' })).toMatchObject({ status: 200, body: { resolution: 'discarded' } });
    expect(await discard({ reason: 'again' })).toMatchObject({ status: 409, body: { error: { code: 'already_resolved' } } });
    const listed = (await h.json(`/api/campaigns/${id}/quarantine`)).body.quarantined.find((q: { id: string }) => q.id === conflict.id);
    expect(listed).toMatchObject({ resolution: 'discarded', resolutionReason: 'another client of the broker, not our robot', raw: { values: { yield: 77.7 } } });
    expect(await h.json(`/api/campaigns/${id}/quarantine/00000000-0000-4000-8000-000000000000/discard`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'x' }) })).toMatchObject({
      status: 404,
      body: { error: { code: 'quarantine_not_found' } },
    });
  });

  it('the panel lists quarantined reports with their decision, and buttons for operators only', async () => {
    const page = async (token: string) => {
      const session = await h.call('/api/session', { method: 'POST', headers: { ...json, origin: h.url }, body: JSON.stringify({ token }), token: null });
      const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
      return (await h.call(`/campaigns/${id}`, { headers: { cookie }, token: null })).text();
    };
    const operator = await page(h.tokens.operator);
    expect(operator).toContain('id="quarantine"');
    expect(operator).toMatch(/discarded: another client of the broker, not our robot/);
    expect(operator).toMatch(/assigned to experiment \d+: the robot sent it under a wrong id/);
    const viewer = await page(h.tokens.viewer);
    expect(viewer).toContain('id="quarantine"');
    expect(viewer).not.toContain('data-action="discard-quarantined"');
    // a fresh report to decide: the operator sees the buttons
    await report([{ experiment: '33333333-3333-4333-8333-333333333333', values: { yield: 3 } }]);
    expect(await page(h.tokens.operator)).toContain('data-action="discard-quarantined"');
  });
});
