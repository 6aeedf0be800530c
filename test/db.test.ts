import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countByStatus,
  createCampaign,
  getCampaign,
  insertPlannedBatch,
  insertPriorResults,
  listCampaigns,
  listPriorResults,
  updateCampaignSettings,
  listQuarantined,
  markCancelled,
  markDispatching,
  openDatabase,
  recordFailureReport,
  storeResult,
  type Database,
} from '../src/db/index.js';
import { HomeLockedError } from '../src/db/home-lock.js';
import { postgresAvailable, stubSpec, tempHome, tempPostgresDatabase } from './helpers.js';

const TABLES = ['campaigns', 'events', 'experiments', 'machine_snapshots', 'model_versions', 'molecules', 'quarantined_results', 'results'];

async function tableNames(database: Database): Promise<string[]> {
  const result = (await database.db.execute(
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  )) as unknown as { rows: { table_name: string }[] };
  return result.rows.map((r) => r.table_name);
}

async function seedCampaign(database: Database) {
  const campaign = await createCampaign(
    database.db,
    { id: randomUUID(), name: 'test', spec: stubSpec(), specSource: '', specHash: 'h', seed: 1, budget: 4, batchSize: 2 },
    [{ smiles: 'CCO', heavyAtoms: 3, formalCharge: 0, fragments: 1 }],
    'test',
  );
  const planned = await insertPlannedBatch(
    database.db,
    campaign.id,
    ['a', 'b'].map((key) => ({
      id: randomUUID(),
      candidateKey: key,
      parameters: { x: key },
      substances: {},
      proposal: { strategy: 'test', rank: 1, reason: 'test' },
    })),
  );
  return { campaign, planned };
}

/** The same behaviour is required of both engines. */
function storageContract(open: () => Promise<Database>) {
  it('applies the migrations: every table exists', async () => {
    const database = await open();
    try {
      expect(await tableNames(database)).toEqual(expect.arrayContaining(TABLES));
    } finally {
      await database.close();
    }
  });

  it('stores a result exactly once, and quarantines results for unknown or cancelled experiments', async () => {
    const database = await open();
    try {
      const { campaign, planned } = await seedCampaign(database);
      const [first, second] = planned;
      expect(first?.seq).toBe(1);
      expect(second?.seq).toBe(2);
      await markDispatching(database.db, first!.id);
      const stored = await storeResult(database.db, { campaignId: campaign.id, experimentId: first!.id, values: { yield: 42 }, raw: { y: 42 }, source: 'test' });
      const again = await storeResult(database.db, { campaignId: campaign.id, experimentId: first!.id, values: { yield: 42 }, raw: { y: 42 }, source: 'test' });
      const other = await storeResult(database.db, { campaignId: campaign.id, experimentId: first!.id, values: { yield: 43 }, raw: { y: 43 }, source: 'test' });
      expect(stored.outcome).toBe('stored');
      expect(again.outcome).toBe('duplicate');
      expect(other).toMatchObject({ outcome: 'conflict', seq: 1 }); // the first stands; the other is quarantined
      expect((await listQuarantined(database.db, campaign.id)).map((q) => q.raw)).toEqual([{ y: 43 }]);

      const unknownId = randomUUID();
      const unknown = await storeResult(database.db, { campaignId: campaign.id, experimentId: unknownId, values: { yield: 1 }, raw: {}, source: 'test' });
      expect(unknown.outcome).toBe('quarantined');
      const garbage = await storeResult(database.db, { campaignId: campaign.id, experimentId: 'not-a-uuid', values: { yield: 1 }, raw: {}, source: 'test' });
      expect(garbage.outcome).toBe('quarantined');

      await markCancelled(database.db, second!.id, 'test', 'operator changed their mind');
      const late = await storeResult(database.db, { campaignId: campaign.id, experimentId: second!.id, values: { yield: 5 }, raw: { late: true }, source: 'test' });
      expect(late).toEqual({ outcome: 'quarantined', reason: 'the experiment was already cancelled' });
      // every report is quarantined in the campaign it was sent to, the unknown ids too
      const kept = await listQuarantined(database.db, campaign.id);
      expect(kept.map((q) => q.experimentId).sort()).toEqual([first!.id, unknownId, 'not-a-uuid', second!.id].sort());
      expect(kept.find((q) => q.experimentId === second!.id)?.raw).toEqual({ late: true });

      const [third] = await insertPlannedBatch(database.db, campaign.id, [
        { id: randomUUID(), candidateKey: 'c', parameters: { x: 'c' }, substances: {}, proposal: { strategy: 'test', rank: 1, reason: 'test' } },
      ]);
      expect((await recordFailureReport(database.db, { campaignId: campaign.id, experimentId: third!.id, reason: 'clogged needle', raw: {}, source: 'test' })).outcome).toBe('failed');
      expect((await recordFailureReport(database.db, { campaignId: campaign.id, experimentId: third!.id, reason: 'clogged needle', raw: {}, source: 'test' })).outcome).toBe('duplicate');

      // failure reports: unknown or already finished experiments are quarantined, repeats collapse
      expect((await recordFailureReport(database.db, { campaignId: campaign.id, experimentId: randomUUID(), reason: 'x', raw: {}, source: 'test' })).outcome).toBe('quarantined');
      expect((await recordFailureReport(database.db, { campaignId: campaign.id, experimentId: first!.id, reason: 'late failure', raw: { f: 1 }, source: 'test' })).outcome).toBe('quarantined');

      const counts = await countByStatus(database.db, campaign.id);
      expect(counts).toMatchObject({ completed: 1, cancelled: 1, failed: 1, planned: 0 });
      const rows = (await database.db.execute(sql`select count(*)::int as n from results`)) as unknown as { rows: { n: number }[] };
      expect(rows.rows[0]?.n).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('writes a campaign and its prior data in one transaction: all of it, or none when a part fails', async () => {
    const database = await open();
    try {
      const campaign = (name: string) => ({ id: randomUUID(), name, spec: stubSpec(), specSource: '', specHash: 'h', seed: 1, budget: 4, batchSize: 2 });
      const prior = [1, 2, 3].map((origin) => ({
        source: 'file:history.csv', sourceName: 'history.csv', task: 'same' as const, origin, candidateKey: `k${origin}`, parameters: { x: `k${origin}` }, values: { yield: 10 * origin },
      }));
      const stored = await createCampaign(database.db, campaign('with prior'), [], 'olivia', (tx, row) => insertPriorResults(tx, row.id, prior, [], 'olivia'));
      expect((await listPriorResults(database.db, stored.id)).map((r) => [r.seq, r.values.yield])).toEqual([[1, 10], [2, 20], [3, 30]]);

      const failing = campaign('prior fails');
      await expect(
        createCampaign(database.db, failing, [], 'olivia', async (tx, row) => {
          await insertPriorResults(tx, row.id, prior, [], 'olivia');
          throw new Error('the disk is full');
        }),
      ).rejects.toThrow('the disk is full');
      expect(await getCampaign(database.db, failing.id)).toBeUndefined();
      expect((await listCampaigns(database.db)).map((c) => c.name)).not.toContain('prior fails');
    } finally {
      await database.close();
    }
  });

  it('never plans beyond the budget, nor lets the budget fall below what is used', async () => {
    const database = await open();
    try {
      const { campaign } = await seedCampaign(database); // budget 4, two planned
      const settings = (budget: number) => ({ spec: stubSpec(), budget, batchSize: 2 });
      const batch = (keys: string[]) =>
        keys.map((key) => ({ id: randomUUID(), candidateKey: key, parameters: { x: key }, substances: {}, proposal: { strategy: 'test', rank: 1, reason: 'test' } }));
      expect(await updateCampaignSettings(database.db, campaign.id, settings(1), { actor: 'olivia', changes: {} })).toEqual({ updated: false, used: 2 });
      expect(await updateCampaignSettings(database.db, campaign.id, settings(3), { actor: 'olivia', changes: {} })).toEqual({ updated: true });
      expect((await insertPlannedBatch(database.db, campaign.id, batch(['c', 'd']))).map((e) => e.candidateKey)).toEqual(['c']); // cut to the budget
      expect(await insertPlannedBatch(database.db, campaign.id, batch(['e']))).toEqual([]);
      expect(await countByStatus(database.db, campaign.id)).toMatchObject({ planned: 3 });
    } finally {
      await database.close();
    }
  });
}

describe('embedded PGlite', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);
  storageContract(() => openDatabase({ home }));

  it('keeps the data across a reopen, and refuses a second process on the same home', async () => {
    const first = await openDatabase({ home });
    await expect(openDatabase({ home })).rejects.toBeInstanceOf(HomeLockedError);
    const n = ((await first.db.execute(sql`select count(*)::int as n from campaigns`)) as unknown as { rows: { n: number }[] }).rows[0]?.n;
    await first.close();
    const reopened = await openDatabase({ home });
    try {
      const m = ((await reopened.db.execute(sql`select count(*)::int as n from campaigns`)) as unknown as { rows: { n: number }[] }).rows[0]?.n;
      expect(m).toBe(n);
      expect(m).toBeGreaterThan(0);
    } finally {
      await reopened.close();
    }
  });
});

const hasPostgres = await postgresAvailable();

describe.skipIf(!hasPostgres)('PostgreSQL (DATABASE_URL)', () => {
  let drop: (() => Promise<void>) | undefined;
  let url = '';
  afterAll(async () => drop?.());
  storageContract(async () => {
    if (!url) ({ url, drop } = await tempPostgresDatabase());
    return openDatabase({ databaseUrl: url });
  });
});
