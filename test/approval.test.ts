/**
 * The approval gate (planner.approval): a planned batch waits for a person before dispatch. Over
 * real HTTP on loopback with real PGlite and the direct-arylation dataset as the lab: approve,
 * edit, reject with a reason (the planner replans and never proposes a rejected candidate again),
 * add one's own experiment; every action authenticated and in the event log with who and why. And
 * a restart while a batch waits resumes waiting, then dispatches once approved.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalState, approveProposals, openCampaign, type CampaignRunner } from '../src/agent/index.js';
import { loadCampaignFile, type CampaignSpec } from '../src/campaign/index.js';
import { countByStatus, listEvents, listExperiments, openDatabase } from '../src/db/index.js';
import { exampleYaml, startHarness, waitFor, type Harness } from './api-harness.js';
import { EXAMPLES, tempHome } from './helpers.js';

const gated = (auto?: number) =>
  exampleYaml({ name: 'Gated arylation', experiments: 12, batch: 3, strategy: 'diverse' }).replace(
    /^planner:\n/m,
    `planner:\n  approval:\n    required: true\n${auto ? `    auto_approve_after_s: ${auto}\n` : ''}`,
  );

describe('approval gate over the API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('holds a batch until approved; edit, reject (replan, never again), add one\'s own, approve; all in the event log', async () => {
    const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: gated() });
    expect(created.status).toBe(201);
    const id = created.body.campaignId as string;
    const base = `/api/campaigns/${id}`;

    const first = await waitFor(async () => {
      const r = await h.json(`${base}/approval`);
      return r.body.awaiting.length === 3 && r.body;
    }, 'the first batch to wait for approval');
    expect(first.required).toBe(true);
    expect(first.choices.base).toContain('Cesium acetate');
    expect(h.supervisor.runner(id)?.state).toBe('running.approving');
    // nothing leaves while it waits
    expect((await countByStatus(h.database.db, id)).dispatched + (await countByStatus(h.database.db, id)).completed).toBe(0);

    // a viewer may look but not decide; no token, no decision
    expect((await h.json(`${base}/approval`, { token: h.tokens.viewer })).status).toBe(200);
    expect((await h.call(`${base}/approval/approve`, { method: 'POST', token: h.tokens.viewer })).status).toBe(403);
    expect((await h.call(`${base}/approval/approve`, { method: 'POST', token: null })).status).toBe(401);

    const [p1, p2, p3] = first.awaiting as { seq: number; candidateKey: string; parameters: Record<string, string | number> }[];
    const post = (path: string, body: unknown, method = 'POST') => h.json(base + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // edit: another allowed base; a value the space does not allow is refused naming the field
    const otherBase = (first.choices.base as string[]).find((b) => b !== p1!.parameters.base)!;
    const bad = await post(`/proposals/${p1!.seq}`, { parameters: { base: 'Sodium hydride' } }, 'PATCH');
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('parameters.base');
    const edited = await post(`/proposals/${p1!.seq}`, { parameters: { base: otherBase }, reason: 'caesium salts are out of stock' }, 'PATCH');
    expect(edited.status).toBe(200);
    expect(edited.body.experiment.parameters.base).toBe(otherBase);
    expect(edited.body.experiment.proposal.edits[0]).toMatchObject({ by: 'olivia', parameter: 'base', from: p1!.parameters.base, to: otherBase });

    // drop one with a reason; a rejection needs one
    const noReason = await post('/approval/reject', { experiments: [p2!.seq] });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');
    const dropped = await post('/approval/reject', { reason: 'this ligand decomposes at 120 °C', experiments: [p2!.seq] });
    expect(dropped.status).toBe(200);
    expect(dropped.body.experiments[0].status).toBe('cancelled');

    // one's own experiment, every parameter given
    const mine = { base: 'Potassium pivalate', ligand: 'XPhos', solvent: 'DMAc', concentration: 0.1, temperature: 105 };
    expect((await post('/suggestions', { parameters: { ...mine, temperature: 100 }, reason: 'x' })).body.error.field).toBe('parameters.temperature');
    const suggested = await post('/suggestions', { parameters: mine, reason: 'worked in our last route scouting' });
    expect(suggested.status).toBe(201);
    expect(suggested.body.experiment.proposal).toMatchObject({ strategy: 'chemist', reason: 'worked in our last route scouting', approval: { by: 'olivia' } });

    // still waiting for p1 and p3; then approve the rest of the batch
    expect(h.supervisor.runner(id)?.state).toBe('running.approving');
    const approved = await post('/approval/approve', {});
    expect(approved.status).toBe(200);
    expect(approved.body.experiments.map((e: { seq: number }) => e.seq).sort()).toEqual([p1!.seq, p3!.seq].sort());

    // the approved, edited and suggested experiments go to the lab; the next batch waits again
    const second = await waitFor(async () => {
      const r = await h.json(`${base}/approval`);
      return r.body.awaiting.length > 0 && r.body;
    }, 'the second batch to wait');
    const rows = await listExperiments(h.database.db, id);
    const bySeq = new Map(rows.map((e) => [e.seq, e]));
    for (const seq of [p1!.seq, p3!.seq, suggested.body.experiment.seq as number]) expect(bySeq.get(seq)?.status).toBe('completed');
    expect(bySeq.get(p2!.seq)?.status).toBe('cancelled');

    // reject the whole second batch: the planner plans anew without any rejected candidate
    const secondKeys = (second.awaiting as { candidateKey: string }[]).map((e) => e.candidateKey);
    expect(secondKeys).not.toContain(p2!.candidateKey);
    expect((await post('/approval/reject', { reason: 'we want a broader look at the solvents first' })).status).toBe(200);
    const third = await waitFor(async () => {
      const r = await h.json(`${base}/approval`);
      return r.body.awaiting.length > 0 && r.body;
    }, 'a new batch after the rejection');
    const thirdKeys = (third.awaiting as { candidateKey: string }[]).map((e) => e.candidateKey);
    for (const key of [...secondKeys, p2!.candidateKey]) expect(thirdKeys).not.toContain(key);

    // every decision is an event naming who, with the reason where there is one
    const events = await listEvents(h.database.db, id);
    const of = (type: string) => events.filter((e) => e.type === type);
    expect(of('proposal.edited')[0]).toMatchObject({ actor: 'olivia', payload: { seq: p1!.seq, reason: 'caesium salts are out of stock' } });
    expect(of('proposals.rejected').map((e) => e.payload.reason)).toEqual(['this ligand decomposes at 120 °C', 'we want a broader look at the solvents first']);
    expect(of('proposals.rejected').every((e) => e.actor === 'olivia')).toBe(true);
    expect(of('proposals.approved')[0]).toMatchObject({ actor: 'olivia' });
    expect(of('proposal.suggested')[0]).toMatchObject({ actor: 'olivia', payload: { reason: 'worked in our last route scouting' } });
    // the batch after a rejection says so
    expect(of('batch.planned').at(-1)?.payload).toMatchObject({ awaitingApproval: true, rejectedCandidatesExcluded: 4 });

    // a campaign without the gate refuses approval actions
    await h.call(`${base}/stop`, { method: 'POST' });
    expect((await post('/approval/approve', {})).status).toBe(409);
  }, 90_000);

  it('shows a campaign\'s file as written and opens the editor with a copy of it', async () => {
    const id = (await h.json('/api/campaigns')).body.campaigns.find((c: { name: string }) => c.name === 'Gated arylation').campaignId as string;
    const signin = await fetch(`${h.url}/signin`, { method: 'POST', headers: { origin: h.url }, body: new URLSearchParams({ token: h.tokens.operator, next: '/' }), redirect: 'manual' });
    const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
    const page = async (path: string) => (await fetch(h.url + path, { headers: { cookie } })).text();
    expect(await page(`/campaigns/${id}`)).toContain(`href="/campaigns/${id}/file"`);
    const file = await page(`/campaigns/${id}/file`);
    expect(file).toContain('name: Gated arylation');
    expect(file).toContain('required: true');
    expect(file).toContain(`href="/campaigns/new?from=${id}"`);
    const editor = await page(`/campaigns/new?from=${id}`);
    expect(editor).toContain('name: Gated arylation (copy)');
    expect(editor).toContain('approval:');
  });

  it('approves a batch nobody decided on after auto_approve_after_s, as the agent', async () => {
    const created = await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: gated(1).replace(/experiments: 12/, 'experiments: 3') });
    const id = created.body.campaignId as string;
    await waitFor(async () => (await countByStatus(h.database.db, id)).completed === 3 && true, 'the batch to be approved by the timer and run');
    const approvedEvent = (await listEvents(h.database.db, id)).find((e) => e.type === 'proposals.approved');
    expect(approvedEvent).toMatchObject({ actor: 'agent', payload: { auto: true } });
  }, 60_000);
});

describe('approval gate across a restart', () => {
  const { home, cleanup } = tempHome('athanor-approval-');
  afterAll(() => cleanup());

  it('a restart while a batch waits resumes waiting; approved, it is dispatched', async () => {
    const database = await openDatabase({ home });
    try {
      const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
      const gatedSpec: CampaignSpec = { ...spec, budget: { experiments: 3, batch: 3 }, planner: { ...spec.planner, strategy: 'diverse', approval: { required: true } } };
      // both runs from the stored campaign, as `athanor serve` runs them (the stored spec is the one a restart reads)
      const { campaign } = await openCampaign(database.db, { spec: gatedSpec, source: '', home, actor: 'test' });
      const runner = (await openCampaign(database.db, { campaignId: campaign.id, home, actor: 'test' })).runner;
      await runner.start();
      await untilState(runner, 'running.approving');
      await runner.detach();

      const again = (await openCampaign(database.db, { campaignId: campaign.id, home, actor: 'test' })).runner;
      await again.start();
      expect(again.state).toBe('running.approving');
      const ctx = { db: database.db, actor: 'chemist-ann', runnerOf: () => again };
      expect((await approvalState(ctx, campaign.id)).awaiting).toHaveLength(3);
      expect((await countByStatus(database.db, campaign.id)).planned).toBe(3);

      await approveProposals(ctx, campaign.id);
      const end = await again.done;
      expect(end).toMatchObject({ status: 'completed', outcome: 'budget spent' });
      expect((await countByStatus(database.db, campaign.id)).completed).toBe(3);
      expect((await listEvents(database.db, campaign.id)).find((e) => e.type === 'proposals.approved')?.actor).toBe('chemist-ann');
    } finally {
      await database.close();
    }
  }, 60_000);
});

function untilState(runner: CampaignRunner, state: string): Promise<void> {
  return new Promise((resolve) => {
    if (runner.state === state) return resolve();
    const onState = (s: string) => {
      if (s !== state) return;
      runner.off('state', onState);
      resolve();
    };
    runner.on('state', onState);
  });
}
