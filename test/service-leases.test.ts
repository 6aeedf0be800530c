/**
 * Campaign leases: the repository's conditional updates (PGlite, and a race of many processes on
 * PostgreSQL), and a supervisor that loses a lease — it stops acting on that campaign at once,
 * without writing it off.
 */
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createNewCampaign, Supervisor } from '../src/agent/index.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { acquireLease, holdsLease, openDatabase, releaseLease, renewLeases, setCampaignStatus, type Database, type Db } from '../src/db/index.js';
import { EXAMPLES, postgresAvailable, simulatorLab, tempHome, withPostgresProcesses } from './helpers.js';
import { sleep, waitFor } from './service-harness.js';
import { join } from 'node:path';

const { home, cleanup } = tempHome('athanor-leases-');
afterAll(cleanup);

async function newCampaign(db: Db, changes: { latency?: number; budget?: number } = {}): Promise<string> {
  const { spec, source } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  const lab = simulatorLab(spec);
  const edited = {
    ...spec,
    budget: { experiments: changes.budget ?? 12, batch: 3 },
    planner: { ...spec.planner, strategy: 'diverse' as const },
    lab: { ...lab, latency_ms: changes.latency ?? 0 },
  };
  return (await createNewCampaign(db, edited, source, 'test')).id;
}

async function leaseContract(database: Database): Promise<void> {
  const db = database.db;
  const id = await newCampaign(db);
  const first = await acquireLease(db, id, 'p1', 10_000);
  expect(first?.epoch).toBe(1);
  expect(await acquireLease(db, id, 'p2', 10_000)).toBeUndefined(); // held by p1
  expect((await acquireLease(db, id, 'p1', 10_000))?.epoch).toBe(1); // ours already: same tenure
  expect(await holdsLease(db, id, 'p1')).toBe(true);
  expect(await holdsLease(db, id, 'p2')).toBe(false);
  expect(await renewLeases(db, 'p2', [id], 10_000)).toEqual(new Set());
  expect(await renewLeases(db, 'p1', [id], 10_000)).toEqual(new Set([id]));

  // an expired lease is taken over, in a new tenure
  await acquireLease(db, id, 'p1', 1);
  await sleep(20);
  expect(await holdsLease(db, id, 'p1')).toBe(false);
  expect((await acquireLease(db, id, 'p2', 10_000))?.epoch).toBe(2);
  expect(await renewLeases(db, 'p1', [id], 10_000)).toEqual(new Set()); // p1 learns it lost it

  expect(await releaseLease(db, id, 'p1')).toBe(false); // not p1's to give back
  expect(await releaseLease(db, id, 'p2')).toBe(true);
  expect((await acquireLease(db, id, 'p3', 10_000))?.epoch).toBe(3);
  expect((await acquireLease(db, id, 'p4', 10_000, true))?.epoch).toBe(4); // forced (embedded database)

  await setCampaignStatus(db, id, 'completed', 'done');
  await releaseLease(db, id, 'p4');
  expect(await acquireLease(db, id, 'p5', 10_000)).toBeUndefined(); // finished campaigns are nobody's
}

describe('campaign leases (PGlite)', () => {
  it('are taken when free, expired or ours; renewed and released only by their holder', async () => {
    const database = await openDatabase({ home: join(home, 'contract') });
    try {
      await leaseContract(database);
    } finally {
      await database.close();
    }
  });

  it('a supervisor that loses a lease stops acting on the campaign at once and does not write it off', async () => {
    const database = await openDatabase({ home: join(home, 'lost') });
    const supervisor = new Supervisor(database.db, join(home, 'lost'), { leases: { ttlMs: 600 }, pollIntervalMs: 100_000 });
    try {
      const db = database.db;
      const id = await newCampaign(db, { latency: 400, budget: 30 });
      const lost = new Promise<string>((resolve) => supervisor.once('lease-lost', (_, reason) => resolve(reason)));
      await supervisor.start();
      expect(supervisor.runner(id)).toBeDefined();
      const count = async (table: string) =>
        Number(((await db.execute(sql.raw(`select count(*)::int as n from ${table} where campaign_id = '${id}'`))) as unknown as { rows: { n: number }[] }).rows[0]?.n);
      await waitFor('experiments in the lab', async () => (await count('experiments')) > 0, 20_000, 50);

      // Another process takes the campaign (as if this one had stalled past its lease).
      await db.execute(sql.raw(`update campaigns set lease_owner = 'thief', lease_expires_at = now() + interval '1 hour' where id = '${id}'`));
      // found by the renewal, or by a step's fencing check before it acts, whichever comes first
      expect(await lost).toBe('another process holds it now (thief)'); // what the operator reads in the log
      expect(supervisor.runner(id)).toBeUndefined();
      await sleep(300); // the detach finishes a write under way
      const before = { events: await count('events'), experiments: await count('experiments') };
      await sleep(1500); // several lab latencies: a runner still acting would have stored or planned something
      expect({ events: await count('events'), experiments: await count('experiments') }).toEqual(before);
      const [row] = ((await db.execute(sql.raw(`select status, lease_owner from campaigns where id = '${id}'`))) as unknown as { rows: Record<string, unknown>[] }).rows;
      expect(row).toEqual({ status: 'running', lease_owner: 'thief' });
    } finally {
      await supervisor.shutdown();
      await database.close();
    }
  });
});

const hasPostgres = await postgresAvailable();

describe.skipIf(!hasPostgres)('campaign leases (PostgreSQL)', () => {
  it('keep the same contract, and of many processes racing for one lease exactly one gets it', async () => {
    await withPostgresProcesses(4, async (databases) => {
      const [first] = databases;
      await leaseContract(first);
      for (let round = 0; round < 5; round++) {
        const id = await newCampaign(first.db);
        const grants = await Promise.all(
          databases.flatMap((d, i) => Array.from({ length: 3 }, (_, j) => acquireLease(d.db, id, `racer-${i}-${j}`, 10_000))),
        );
        expect(grants.filter(Boolean)).toHaveLength(1);
      }
    });
  });
});
