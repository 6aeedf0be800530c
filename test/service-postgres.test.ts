/**
 * Several `athanor serve` on one PostgreSQL share the campaigns through leases: each campaign
 * runs in exactly one process; a request made to one process for a campaign another runs is
 * carried out by that one (a pause forwarded and answered; a new acquisition function picked up
 * by the running loop); a process killed with SIGKILL stops renewing and the other takes its
 * campaigns over; a process stopped with SIGTERM gives its leases back at once. The campaigns
 * start with a budget too large to finish during those steps, however slow the machine, and the
 * budgets are cut once they are done. Real PostgreSQL, real child processes, reference robots
 * (HTTP) in this process.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNewCampaign } from '../src/agent/index.js';
import { issueToken } from '../src/auth/index.js';
import { parseCampaignSpec } from '../src/campaign/index.js';
import { openDatabase, type Database } from '../src/db/index.js';
import type { HttpReferenceRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import { sql } from 'drizzle-orm';
import { postgresAvailable, tempHome, tempPostgresDatabase } from './helpers.js';
import { robotCampaignYaml, spawnService, startRobot, waitFor as waitForOnly, type ServiceProcess } from './service-harness.js';

const hasPostgres = await postgresAvailable();

const LONG_BUDGET = 200;
const BATCH = 3;
const TTL_MS = 4000;

describe.skipIf(!hasPostgres)('several serve processes on one PostgreSQL', () => {
  const { home, cleanup } = tempHome('athanor-pg-service-');
  const robots: HttpReferenceRobot[] = [];
  const services: ServiceProcess[] = [];
  let drop: (() => Promise<void>) | undefined;
  let database: Database | undefined;
  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await Promise.all(robots.map((r) => r.close()));
    await database?.close();
    await drop?.();
    cleanup();
  });

  /** On a timeout, the services' logs say why. */
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs?: number) =>
    waitForOnly(what, probe, timeoutMs, everyMs).catch((error: Error) => {
      throw new Error(`${error.message}\n${services.map((s, i) => `--- service ${i}\n${s.output().slice(-3000)}`).join('\n')}`);
    });

  it('shares the campaigns, forwards requests, takes over a killed process and is handed back a stopped one', async () => {
    const temp = await tempPostgresDatabase();
    drop = temp.drop;
    const env = { DATABASE_URL: temp.url, ATHANOR_LEASE_TTL_MS: String(TTL_MS) };
    database = await openDatabase({ databaseUrl: temp.url });
    const db = database.db;
    const rows = async <T = Record<string, unknown>>(query: string) => ((await db.execute(sql.raw(query))) as unknown as { rows: T[] }).rows;
    const leases = () => rows<{ id: string; lease_owner: string | null; status: string }>('select id, lease_owner, status from campaigns order by created_at');

    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const robot = await startRobot({ seed: 20 + i, minLatencyMs: 600, latencyMs: 300 });
      robots.push(robot);
      const text = robotCampaignYaml({ name: `shared ${i}`, robotUrl: robot.url, budget: LONG_BUDGET, batch: BATCH, seed: 7 + i });
      ids.push((await createNewCampaign(db, await parseCampaignSpec(text, { baseDir: home }), text, 'test')).id);
    }
    const operator = (await issueToken(db, 'pg-test', 'operator')).token;
    const request = (service: ServiceProcess, path: string, method: string, body?: unknown) =>
      fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });

    // A takes two campaigns (its limit), B the other two.
    const a = await spawnService(join(home, 'a'), { ...env, ATHANOR_MAX_CAMPAIGNS: '2' });
    services.push(a);
    await a.ready;
    const ownerA = await waitFor('A to hold two leases', async () => {
      const held = (await leases()).filter((c) => c.lease_owner);
      return held.length === 2 ? held[0]?.lease_owner ?? undefined : undefined;
    }, 30_000);
    const b = await spawnService(join(home, 'b'), env);
    services.push(b);
    await b.ready;
    const ownerB = await waitFor('B to take the other two', async () => {
      const all = await leases();
      const others = all.filter((c) => c.lease_owner && c.lease_owner !== ownerA);
      return others.length === 2 && all.every((c) => c.lease_owner) ? others[0]?.lease_owner ?? undefined : undefined;
    }, 30_000);
    expect(ownerB).not.toBe(ownerA);
    const ofA = (await leases()).filter((c) => c.lease_owner === ownerA).map((c) => c.id);
    expect(ofA).toHaveLength(2);

    // Change the acquisition function of one of A's campaigns through B: written to the database
    // by B, picked up by A's running loop, whose next batch is chosen the new way.
    const changed = ofA[1] as string;
    const patch = await request(b, `/api/campaigns/${changed}`, 'PATCH', { planner: { acquisition: 'max_sigma' } });
    expect(patch.status, await patch.clone().text()).toBe(200);
    await waitFor(
      'A to plan a batch by the largest uncertainty',
      async () => (await rows(`select 1 from experiments where campaign_id = '${changed}' and proposal->>'reason' like 'largest uncertainty%'`)).length > 0,
      60_000,
    );
    expect((await leases()).find((c) => c.id === changed)?.lease_owner).toBe(ownerA);
    const [settingsEvent] = await rows(`select actor, payload from events where campaign_id = '${changed}' and type = 'campaign.settings-changed'`);
    expect(settingsEvent).toMatchObject({ actor: 'pg-test', payload: { planner: { to: { acquisition: 'max_sigma' } } } });

    // Pause one of A's campaigns through B: A carries it out and answers through the database.
    const paused = ofA[0] as string;
    const reply = await request(b, `/api/campaigns/${paused}/pause`, 'POST');
    expect(reply.status, `${await reply.clone().text()}\n--- A\n${a.output().slice(-8000)}`).toBe(200);
    expect(await reply.json()).toMatchObject({ campaignId: paused, status: 'paused' });
    const [pauseEvent] = await rows<{ actor: string }>(`select actor from events where campaign_id = '${paused}' and type = 'campaign.paused'`);
    expect(pauseEvent?.actor).toBe('pg-test'); // who asked, not which process

    // Kill A: once its leases expire, B runs all four (the paused one stays paused).
    expect(await a.kill('SIGKILL')).not.toBe(0);
    // (the event follows the lease once the campaign has started in B)
    const takenOver = () => rows<{ campaign_id: string; payload: { takenOverFrom?: string } }>(`select campaign_id, payload from events where type = 'campaign.lease-acquired' and payload->>'takenOverFrom' is not null`);
    await waitFor("B to take over A's campaigns", async () => (await leases()).every((c) => c.lease_owner === ownerB) && (await takenOver()).length === 2, TTL_MS * 8);
    const takeovers = await takenOver();
    expect(new Set(takeovers.map((t) => t.campaign_id))).toEqual(new Set(ofA));
    expect(takeovers.every((t) => t.payload.takenOverFrom === ownerA)).toBe(true);

    // Cut every budget to what is used plus one batch (the API refuses less than is used; a batch
    // planned between the count and the request makes it try again).
    for (const id of ids) {
      await waitFor(`the budget of ${id} to be cut`, async () => {
        const [used] = await rows<{ n: number }>(`select count(*)::int as n from experiments where campaign_id = '${id}' and status <> 'cancelled'`);
        const cut = await request(b, `/api/campaigns/${id}`, 'PATCH', { budget: { experiments: Number(used?.n) + BATCH } });
        if (cut.status === 200) return true;
        expect(((await cut.json()) as { error: { code: string } }).error.code).toBe('budget_below_used');
        return false;
      }, 10_000, 50);
    }

    // The three running campaigns finish under B; the paused one waits.
    await waitFor('three campaigns to complete', async () => (await leases()).filter((c) => c.status === 'completed').length === 3, 120_000, 500);
    expect((await leases()).find((c) => c.id === paused)?.status).toBe('paused');

    // SIGTERM: B gives its lease back before it exits; a new process takes the campaign at once and resumes it on request.
    expect(await b.kill('SIGTERM')).toBe(0);
    expect((await leases()).find((c) => c.id === paused)?.lease_owner).toBeNull();
    const c = await spawnService(join(home, 'c'), env);
    services.push(c);
    await c.ready;
    await waitFor('C to hold the paused campaign', async () => (await leases()).find((x) => x.id === paused)?.lease_owner, 10_000);
    const resumed = await request(c, `/api/campaigns/${paused}/resume`, 'POST');
    expect(resumed.status).toBe(200);
    await waitFor('the last campaign to complete', async () => (await leases()).every((x) => x.status === 'completed'), 120_000, 500);
    expect(await c.kill('SIGTERM')).toBe(0);

    // Exactly the (cut) budget everywhere; every robot accepted each experiment once; every report stored once.
    for (const [i, id] of ids.entries()) {
      const robot = robots[i] as HttpReferenceRobot;
      const [campaign] = await rows<{ budget: number; outcome: string }>(`select budget, outcome from campaigns where id = '${id}'`);
      expect(campaign?.outcome).toBe('budget spent');
      expect(campaign?.budget).toBeLessThan(LONG_BUDGET);
      const experiments = await rows<{ id: string; status: string }>(`select id, status from experiments where campaign_id = '${id}'`);
      expect(experiments).toHaveLength(campaign?.budget ?? -1);
      expect(experiments.every((e) => e.status === 'completed')).toBe(true);
      const accepted = robot.lab.acceptedCounts();
      expect(new Set(accepted.keys())).toEqual(new Set(experiments.map((e) => e.id)));
      expect([...accepted.values()].every((n) => n === 1)).toBe(true);
      const results = await rows<{ experiment_id: string; values: Record<string, number> }>(`select experiment_id, "values" from results where campaign_id = '${id}'`);
      expect(results).toHaveLength(experiments.length);
      for (const r of results) {
        const reported = robot.lab.resultOf(r.experiment_id);
        expect(reported?.status === 'completed' ? reported.values : undefined).toEqual(r.values);
      }
    }
    expect(await rows('select count(*)::int as n from quarantined_results')).toEqual([{ n: 0 }]);
    expect(await rows('select count(*)::int as n from campaigns where lease_owner is not null')).toEqual([{ n: 0 }]);
  }, 300_000);
});
