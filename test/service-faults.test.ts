/**
 * Fault injection: `athanor serve` runs three campaigns against three reference robots (HTTP,
 * seeded failures and duplicated reports) and is killed with SIGKILL at random moments, then
 * restarted, several times. Afterwards every campaign has spent exactly its budget, each robot
 * accepted every experiment exactly once, and every report a robot made is stored exactly once —
 * checked against the robots' own records as well as the database. The robots live in this
 * process, so they outlive every kill, as a lab outlives the planner.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createNewCampaign } from '../src/agent/index.js';
import { issueToken } from '../src/auth/index.js';
import { parseCampaignSpec } from '../src/campaign/index.js';
import { openDatabase } from '../src/db/index.js';
import type { HttpReferenceRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import { rngFor } from '../src/util/random.js';
import { tempHome } from './helpers.js';
import { robotCampaignYaml, sleep, spawnService, startRobot, waitFor, type ServiceProcess } from './service-harness.js';

const { home, cleanup } = tempHome('athanor-faults-');
const robots: HttpReferenceRobot[] = [];
const services: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(services.map((s) => s.kill('SIGKILL'))); // none outlives a failed test
  await Promise.all(robots.map((r) => r.close()));
  cleanup();
});

const BUDGET = 12;
const BATCH = 3;
/** Seeded, so a failing run can be replayed: ATHANOR_FAULT_SEED=… */
const SEED = Number(process.env.ATHANOR_FAULT_SEED ?? Date.now() % 100_000);

type Row = Record<string, unknown>;

describe('athanor serve under kill -9', () => {
  it(`finishes every campaign exactly, without a double dispatch or a lost result (fault seed ${SEED})`, async () => {
    const random = rngFor(SEED, 'faults');
    // Three robots, each a lab of its own, with failures and duplicated reports to make it harder.
    for (let i = 0; i < 3; i++) {
      const stateDir = join(home, `robot-${i}`);
      mkdirSync(stateDir, { recursive: true });
      robots.push(await startRobot({ seed: 10 + i, failureRate: 0.1, duplicateRate: 0.3, stateDir }));
    }
    const campaignIds: string[] = [];
    let token = '';
    const setup = await openDatabase({ home });
    try {
      for (const [i, robot] of robots.entries()) {
        // room for two batches in the lab: planning and retraining happen while experiments run
        const text = robotCampaignYaml({ name: `faults ${i}`, robotUrl: robot.url, budget: BUDGET, batch: BATCH, capacity: 2 * BATCH, seed: i + 1 });
        const spec = await parseCampaignSpec(text, { baseDir: home });
        campaignIds.push((await createNewCampaign(setup.db, spec, text, 'test')).id);
      }
      token = (await issueToken(setup.db, 'fault-test', 'viewer')).token;
    } finally {
      await setup.close();
    }

    const kills: { round: number; serving: boolean; inFlight: number; finished: number }[] = [];
    // One kill while it is still starting, then kills at random moments in the campaigns' course:
    // once the robots have accepted a few more experiments, after a random delay.
    const acceptedSoFar = () => robots.reduce((n, r) => n + r.lab.acceptedCounts().size, 0);
    for (let round = 0; round < 5; round++) {
      const service = await spawnService(home);
      services.push(service);
      if (round === 0) {
        await sleep(1500);
      } else {
        const target = Math.min(3 * BUDGET - 1, acceptedSoFar() + 2 + Math.floor(random() * 5));
        await waitFor('the robots to accept more experiments', async () => acceptedSoFar() >= target, 90_000, 20).catch((error: Error) => {
          throw new Error(`${error.message}\n${service.output().slice(-4000)}`);
        });
        await sleep(random() * 400);
      }
      expect(await service.kill('SIGKILL')).not.toBe(0);
      // What the kill interrupted, for the record (and to prove it hit campaigns mid-flight).
      const look = await openDatabase({ home });
      try {
        const [counts] = ((await look.db.execute(
          sql.raw(`select count(*) filter (where status in ('dispatched', 'running'))::int as "inFlight", count(*) filter (where status in ('completed', 'failed'))::int as finished from experiments`),
        )) as unknown as { rows: { inFlight: number; finished: number }[] }).rows;
        kills.push({ round, serving: service.output().includes('Athanor is running'), inFlight: counts?.inFlight ?? 0, finished: counts?.finished ?? 0 });
      } finally {
        await look.close();
      }
    }
    expect(kills.some((k) => k.inFlight > 0 && k.finished < 3 * BUDGET), JSON.stringify(kills)).toBe(true);

    const service = await spawnService(home);
    services.push(service);
    await service.ready;
    const statuses = await waitFor(
      'every campaign to finish',
      async () => {
        const res = await fetch(`${service.url}/api/campaigns`, { headers: { authorization: `Bearer ${token}` } });
        const list = ((await res.json()) as { campaigns: { campaignId: string; status: string }[] }).campaigns;
        return list.every((c) => c.status === 'completed') ? list : undefined;
      },
      120_000,
      500,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nkills: ${JSON.stringify(kills)}\n${service.output().slice(-4000)}`);
    });
    expect(statuses).toHaveLength(3);
    console.info(`fault seed ${SEED}: kills ${JSON.stringify(kills)}`);
    // What a robot still offers once its campaign ended (a duplicate, or a report whose ack a kill
    // prevented) is already stored: the checks below compare every experiment with the robot.
    const metrics = await (await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toMatch(/^athanor_lab_results_total\{outcome="stored"\} \d+/m);
    expect(await service.kill('SIGTERM')).toBe(0);

    const database = await openDatabase({ home });
    try {
      const rows = async (query: string) => ((await database.db.execute(sql.raw(query))) as unknown as { rows: Row[] }).rows;
      for (const [i, campaignId] of campaignIds.entries()) {
        const robot = robots[i] as HttpReferenceRobot;
        const [campaign] = await rows(`select status, outcome from campaigns where id = '${campaignId}'`);
        expect(campaign).toEqual({ status: 'completed', outcome: 'budget spent' });
        const experiments = await rows(`select id, status, failure_reason from experiments where campaign_id = '${campaignId}'`);
        // the budget, exactly: failed runs count, nothing was cancelled or left behind
        expect(experiments).toHaveLength(BUDGET);
        expect(experiments.filter((e) => e.status === 'completed' || e.status === 'failed')).toHaveLength(BUDGET);

        // The robot's own record: every experiment accepted once, and nothing it was not sent.
        const accepted = robot.lab.acceptedCounts();
        expect(new Set(accepted.keys())).toEqual(new Set(experiments.map((e) => e.id as string)));
        for (const [id, times] of accepted) expect(times, `experiment ${id} accepted ${times} times`).toBe(1);

        // Every report the robot made is stored exactly once, with the robot's values.
        const results = await rows(`select experiment_id, "values" from results where campaign_id = '${campaignId}'`);
        expect(new Set(results.map((r) => r.experiment_id)).size).toBe(results.length);
        const stored = new Map(results.map((r) => [r.experiment_id as string, r.values as Record<string, number>]));
        for (const experiment of experiments) {
          const reported = robot.lab.resultOf(experiment.id as string);
          expect(reported, `the robot finished experiment ${String(experiment.id)}`).toBeDefined();
          if (reported?.status === 'completed') {
            expect(experiment.status).toBe('completed');
            expect(stored.get(experiment.id as string)).toEqual(reported.values);
          } else {
            expect(experiment.status).toBe('failed');
            expect(stored.has(experiment.id as string)).toBe(false);
          }
          expect(robot.outbox.acks.get(experiment.id as string)?.refused).toBeUndefined();
        }
      }
      expect(await rows('select count(*)::int as n from quarantined_results')).toEqual([{ n: 0 }]);
      // it really was restarted and recovered: one tenure per start that got as far as taking the campaigns
      const tenures = await rows(`select count(*)::int as n from events where type = 'campaign.lease-acquired'`);
      expect(Number(tenures[0]?.n)).toBeGreaterThanOrEqual(3 * 2);
      // retraining ran off the main thread
      const trained = await rows(`select payload->>'where' as where from events where type = 'model.trained'`);
      expect(trained.length).toBeGreaterThan(0);
      expect(new Set(trained.map((t) => t.where))).toEqual(new Set(['worker']));
    } finally {
      await database.close();
    }
  }, 240_000);
});
