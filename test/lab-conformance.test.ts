/**
 * One conformance suite for every robot adapter (HTTP polling, HTTP signed callbacks, MQTT, file
 * drop), each wired to a live reference robot: real sockets on 127.0.0.1, the real Mosquitto
 * broker, real folders, real PGlite storage. No mocks. MQTT is skipped with a message when no
 * broker answers, unless ATHANOR_REQUIRE_MQTT=1 (then it fails).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { retry } from '../src/agent/retry.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import {
  createCampaign,
  insertPlannedBatch,
  markDispatching,
  markFailed,
  openDatabase,
  quarantinedResults,
  quarantineReport,
  results,
  storeResult,
  experiments as experimentsTable,
  events as eventsTable,
  type Database,
} from '../src/db/index.js';
import { RefusedResultError, TransientLabError, type ExperimentOrder, type LabAdapter, type LabResult, type ReportOutcome } from '../src/lab-adapters/contract.js';
import { WithExperimentTimeouts } from '../src/lab-adapters/experiment-timeouts.js';
import { FileDropAdapter } from '../src/lab-adapters/files/file-drop-adapter.js';
import { LabCallbackRegistry } from '../src/lab-adapters/http/callback-endpoint.js';
import { HttpRobotAdapter } from '../src/lab-adapters/http/http-robot-adapter.js';
import { MqttRobotAdapter } from '../src/lab-adapters/mqtt/mqtt-robot-adapter.js';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startFilesRobot } from '../src/lab-adapters/reference-robot/files-robot.js';
import { startHttpRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import { startMqttRobot } from '../src/lab-adapters/reference-robot/mqtt-robot.js';
import type { ReportOutbox } from '../src/lab-adapters/reference-robot/report-outbox.js';
import type { RobotLab } from '../src/lab-adapters/reference-robot/robot-lab.js';
import { checkResultValues, type ResultExpectations } from '../src/lab-adapters/result-payload.js';
import { orderToBody } from '../src/lab-adapters/order-payload.js';
import { signResultMessage } from '../src/lab-adapters/mqtt/signed-message.js';
import type { SearchSpace } from '../src/planner/space.js';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, stubSpec, tempHome } from './helpers.js';

const BROKER = process.env.ATHANOR_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const LATENCY_MS = 150;
const CAPACITY = 3;
const EXPECT: ResultExpectations = { target: 'yield', bounds: [0, 100] };

const { home, cleanup } = tempHome('athanor-lab-conformance-');
let database: Database;
let space: SearchSpace;
let oracle: DatasetOracle;
let mqttUp = false;

/** Whether the broker answers; with ATHANOR_REQUIRE_MQTT set, a silent broker is an error. */
async function brokerAnswers(): Promise<boolean> {
  try {
    const client = await mqtt.connectAsync(BROKER, { connectTimeout: 2000, reconnectPeriod: 0 });
    await client.endAsync();
    return true;
  } catch (error) {
    if (process.env.ATHANOR_REQUIRE_MQTT) throw new Error(`ATHANOR_REQUIRE_MQTT is set but no MQTT broker answers at ${BROKER}: ${(error as Error).message}`);
    console.warn(`skipping MQTT tests: no broker at ${BROKER} (start mosquitto, or set ATHANOR_REQUIRE_MQTT=1 to fail instead)`);
    return false;
  }
}

beforeAll(async () => {
  const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  space = await buildSpace(spec);
  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  database = await openDatabase({ home: join(home, 'db-home') });
  mqttUp = await brokerAnswers();
});

afterAll(async () => {
  await database?.close();
  cleanup();
});

/** Log lines an adapter or robot wrote (JSON), to check that refusals are logged. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

interface Campaign {
  id: string;
  orders: ExperimentOrder[];
}

/** A campaign with `n` experiments recorded as dispatched (candidates 0, 97, 194, … of the space). */
async function campaignWith(n: number): Promise<Campaign> {
  const id = randomUUID();
  await createCampaign(database.db, { id, name: 'conformance', spec: stubSpec(), specSource: '', specHash: id, seed: 0, budget: 10, batchSize: n }, [], 'test');
  const rows = await insertPlannedBatch(
    database.db,
    id,
    Array.from({ length: n }, (_, i) => {
      const candidate = i * 97;
      return {
        id: randomUUID(),
        candidateKey: space.keyOf(candidate),
        parameters: space.valuesOf(candidate),
        substances: space.substancesOf(candidate),
        proposal: { strategy: 'test', rank: i + 1, reason: 'conformance' },
      };
    }),
  );
  for (const row of rows) await markDispatching(database.db, row.id);
  return {
    id,
    orders: rows.map((r) => ({ id: r.id, campaignId: id, seq: r.seq, candidateKey: r.candidateKey, parameters: r.parameters, substances: r.substances })),
  };
}

interface Outcome {
  experimentId: string;
  outcome: string;
}

/** What the runner does with a result: check it against the objective, then store it once. */
function storingHandler(campaignId: string, outcomes: Outcome[]) {
  return async (result: LabResult): Promise<ReportOutcome> => {
    try {
      checkResultValues(result, EXPECT);
    } catch (error) {
      if (error instanceof RefusedResultError) outcomes.push({ experimentId: result.experimentId, outcome: 'refused' });
      throw error;
    }
    if (result.status === 'failed') {
      await markFailed(database.db, result.experimentId, result.reason, 'lab:test');
      outcomes.push({ experimentId: result.experimentId, outcome: 'failed' });
      return 'stored';
    }
    const stored = await storeResult(database.db, { campaignId, experimentId: result.experimentId, values: result.values, raw: result.raw, source: 'lab:test' });
    outcomes.push({ experimentId: result.experimentId, outcome: stored.outcome });
    return stored.outcome;
  };
}

interface Fixture {
  adapter: LabAdapter;
  robot: { lab: RobotLab; outbox: ReportOutbox };
  /** The robot reports this payload as if it were a result of its own. */
  report(payload: unknown): void;
  /** Log lines of adapter and robot. */
  lines: Record<string, unknown>[];
  /** Where a refused report ends up, as the lab sees it (an ack, a reply, an error file). */
  refusalSeenByLab(id: string): string | undefined;
  /** The outcome the lab was told for its latest report on `id` (ack, callback reply, outcome file). */
  outcomeSeenByLab(id: string): string | undefined;
  close(): Promise<void>;
}

interface AdapterKind {
  name: string;
  enabled: () => boolean;
  make(campaign: Campaign, slow?: boolean): Promise<Fixture>;
  /** The same adapter with no robot behind it. */
  down(campaign: Campaign): Promise<{ adapter: LabAdapter; failure: 'dispatch' | 'timeout'; close(): Promise<void> }>;
}

// runs take 150–250 ms on average: long enough to be caught in flight, short enough for a quick
// suite; `slow` runs (at least 0.7 s, all on the deck at once) outlast a handful of round trips
const robotSettings = (slow = false) => ({ oracle, source: 'direct_arylation.csv', capacity: CAPACITY, parallel: slow ? CAPACITY : 2, minLatencyMs: slow ? 700 : LATENCY_MS, latencyMs: 100, seed: 3 });

const kinds: AdapterKind[] = [
  {
    name: 'HTTP robot, polling',
    enabled: () => true,
    async make(campaign, slow) {
      const { log, lines } = capturingLogger();
      const robot = await startHttpRobot({ ...robotSettings(slow), port: 0, log });
      const adapter = new HttpRobotAdapter({ labId: campaign.id, url: robot.url, capacity: CAPACITY, pollIntervalMs: 50, expectations: EXPECT, log });
      return {
        adapter,
        robot,
        lines,
        report: (payload) => void robot.outbox.inject(payload, campaign.id),
        refusalSeenByLab: (id) => robot.outbox.acks.get(id)?.refused,
        outcomeSeenByLab: (id) => robot.outbox.acks.get(id)?.outcome,
        close: async () => {
          await adapter.stop();
          await robot.close();
        },
      };
    },
    async down() {
      const adapter = new HttpRobotAdapter({ labId: randomUUID(), url: 'http://127.0.0.1:9', capacity: CAPACITY, requestTimeoutMs: 500 });
      return { adapter, failure: 'dispatch', close: () => adapter.stop() };
    },
  },
  {
    name: 'HTTP robot, signed callbacks',
    enabled: () => true,
    async make(campaign, slow) {
      const { log, lines } = capturingLogger();
      const secret = randomUUID();
      const robot = await startHttpRobot({ ...robotSettings(slow), port: 0, secret, log });
      // a private registry and a sweep too slow to matter: results must come by callback
      const adapter = new HttpRobotAdapter({
        labId: campaign.id,
        url: robot.url,
        capacity: CAPACITY,
        callback: { secret, registry: new LabCallbackRegistry() },
        sweepIntervalMs: 600_000,
        expectations: EXPECT,
        log,
      });
      return {
        adapter,
        robot,
        lines,
        report: (payload) => void robot.outbox.inject(payload, campaign.id, adapter.resultsUrl),
        refusalSeenByLab: (id) => robot.outbox.acks.get(id)?.refused,
        outcomeSeenByLab: (id) => robot.outbox.acks.get(id)?.outcome,
        close: async () => {
          await adapter.stop();
          await robot.close();
        },
      };
    },
    async down() {
      const adapter = new HttpRobotAdapter({ labId: randomUUID(), url: 'http://127.0.0.1:9', capacity: CAPACITY, requestTimeoutMs: 500, callback: { secret: 'k', registry: new LabCallbackRegistry() } });
      await adapter.start(async () => {});
      return { adapter, failure: 'dispatch', close: () => adapter.stop() };
    },
  },
  {
    name: 'MQTT robot',
    enabled: () => mqttUp,
    async make(campaign, slow) {
      const { log, lines } = capturingLogger();
      const prefix = `athanor-test/${randomUUID()}`;
      const robot = await startMqttRobot({ ...robotSettings(slow), brokerUrl: BROKER, topicPrefix: prefix, redeliverMs: 300, clientId: `lab-sim-test-${randomUUID()}`, log });
      await robot.ready;
      const clientId = `athanor-test-${randomUUID()}`;
      const adapter = new MqttRobotAdapter({ labId: campaign.id, brokerUrl: BROKER, topicPrefix: prefix, capacity: CAPACITY, clientId, requestTimeoutMs: 2000, expectations: EXPECT, log });
      return {
        adapter,
        robot,
        lines,
        report: (payload) => void robot.outbox.inject(payload, campaign.id),
        refusalSeenByLab: (id) => robot.outbox.acks.get(id)?.refused,
        outcomeSeenByLab: (id) => robot.outbox.acks.get(id)?.outcome,
        close: async () => {
          await adapter.stop();
          await robot.close();
          await forgetMqtt(prefix, [clientId]);
        },
      };
    },
    async down() {
      // broker up, robot absent: nobody answers the command
      const prefix = `athanor-test/${randomUUID()}`;
      const clientId = `athanor-test-${randomUUID()}`;
      const adapter = new MqttRobotAdapter({ labId: randomUUID(), brokerUrl: BROKER, topicPrefix: prefix, capacity: CAPACITY, clientId, requestTimeoutMs: 300 });
      await adapter.start(async () => {});
      await vi.waitFor(async () => expect((await adapter.health()).detail).toMatch(/no presence/), { timeout: 5000 });
      return { adapter, failure: 'dispatch', close: async () => {
        await adapter.stop();
        await forgetMqtt(prefix, [clientId]);
      } };
    },
  },
  {
    name: 'file drop',
    enabled: () => true,
    async make(campaign, slow) {
      const { log, lines } = capturingLogger();
      const folder = join(home, `files-${randomUUID()}`);
      const adapter = new FileDropAdapter({
        labId: campaign.id,
        folder,
        capacity: CAPACITY,
        batchWindowMs: 20,
        pollIntervalMs: 40,
        settleMs: 80,
        journalPath: join(folder, 'adapter-journal.jsonl'),
        expectations: EXPECT,
        log,
      });
      const robot = await startFilesRobot({ ...robotSettings(slow), folder, intervalMs: 40, log });
      return {
        adapter,
        robot,
        lines,
        report: (payload) => void robot.outbox.inject(payload, campaign.id),
        refusalSeenByLab: () => {
          const reasons = readdirSync(join(folder, 'error')).filter((f) => f.endsWith('.reason.txt'));
          return reasons.length ? reasons.map((f) => readFileSync(join(folder, 'error', f), 'utf8')).join('\n') : undefined;
        },
        outcomeSeenByLab: (id) => {
          // the newest outcome file naming the id (archive/<file>.outcome.csv, one per result file taken)
          const archive = join(folder, 'archive');
          const files = existsSync(archive) ? readdirSync(archive).filter((f) => f.endsWith('.outcome.csv')) : [];
          const rows = files
            .map((f) => ({ at: statSync(join(archive, f)).mtimeMs, text: readFileSync(join(archive, f), 'utf8') }))
            .sort((a, b) => a.at - b.at)
            .flatMap((f) => f.text.split('\n').filter((line) => line.startsWith(`${id},`)));
          return rows.at(-1)?.split(',')[1];
        },
        close: async () => {
          await adapter.stop();
          await robot.close();
        },
      };
    },
    async down() {
      // nobody takes the worklists: the experiment timeout fails the experiment
      const folder = join(home, `files-down-${randomUUID()}`);
      const inner = new FileDropAdapter({ labId: randomUUID(), folder, capacity: CAPACITY, batchWindowMs: 10, pollIntervalMs: 40, settleMs: 50 });
      const adapter = new WithExperimentTimeouts(inner, 400);
      return { adapter, failure: 'timeout', close: () => adapter.stop() };
    },
  },
];

/** Ends the persistent MQTT sessions and retained presence a test left on the shared broker. */
async function forgetMqtt(prefix: string, clientIds: string[]): Promise<void> {
  for (const clientId of clientIds) {
    const client = await mqtt.connectAsync(BROKER, { clientId, clean: true, reconnectPeriod: 0 });
    await client.endAsync();
  }
  const client = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 });
  await client.publishAsync(`${prefix}/robot/online`, '', { retain: true, qos: 1 });
  await client.endAsync();
}

const until = (check: () => void | Promise<void>, timeout = 8000) => vi.waitFor(check, { timeout, interval: 20 });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function storedRows(experimentId: string) {
  return database.db.select().from(results).where(eq(results.experimentId, experimentId));
}

async function statusOf(experimentId: string) {
  const [row] = await database.db.select().from(experimentsTable).where(eq(experimentsTable.id, experimentId));
  return row?.status;
}

describe.each(kinds)('lab adapter conformance: $name', (kind) => {
  /** Decided when the test runs (the broker check happens in beforeAll, after collection). */
  const test = (name: string, body: () => Promise<void>) =>
    it(name, async (ctx) => {
      if (!kind.enabled()) ctx.skip();
      await body();
    });
  let fixture: Fixture | undefined;
  const open: { close(): Promise<void> }[] = [];

  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  async function started(n: number, slow = false): Promise<{ campaign: Campaign; fixture: Fixture; outcomes: Outcome[] }> {
    const campaign = await campaignWith(n);
    fixture = await kind.make(campaign, slow);
    const outcomes: Outcome[] = [];
    await fixture.adapter.start(storingHandler(campaign.id, outcomes));
    if (fixture.adapter instanceof MqttRobotAdapter) {
      const adapter = fixture.adapter;
      await until(async () => expect((await adapter.health()).ok).toBe(true));
    }
    return { campaign, fixture, outcomes };
  }

  test('dispatched twice, runs once and is stored once', async () => {
    const { campaign, fixture, outcomes } = await started(1);
    const order = campaign.orders[0] as ExperimentOrder;
    expect(await fixture.adapter.dispatch(order)).toEqual({ duplicate: false });
    expect(await fixture.adapter.dispatch(order)).toEqual({ duplicate: true });
    await until(() => expect(outcomes).toContainEqual({ experimentId: order.id, outcome: 'stored' }));
    expect(await fixture.adapter.dispatch(order)).toEqual({ duplicate: true }); // also once finished
    expect(fixture.robot.lab.acceptedCounts().get(order.id)).toBe(1);
    expect(await storedRows(order.id)).toHaveLength(1);
    expect(await statusOf(order.id)).toBe('completed');
    expect(['completed', 'queued']).toContain(await fixture.adapter.status(order.id)); // a file drop cannot see the robot's deck
    expect(await fixture.adapter.status(randomUUID())).toBe('unknown');
  });

  test('a result reported twice is stored once', async () => {
    const { campaign, fixture, outcomes } = await started(1);
    const order = campaign.orders[0] as ExperimentOrder;
    await fixture.adapter.dispatch(order);
    await until(() => expect(outcomes.filter((o) => o.experimentId === order.id)).toHaveLength(1));
    const stored = (await storedRows(order.id))[0];
    await until(() => expect(fixture.robot.outbox.get(order.id)?.acked).toBe(true));
    await until(() => expect(fixture.outcomeSeenByLab(order.id)).toBe('stored'));
    fixture.report({ experimentId: order.id, status: 'completed', values: stored?.values }); // the robot reports again, the same
    await until(() => expect(outcomes.filter((o) => o.experimentId === order.id).map((o) => o.outcome)).toEqual(['stored', 'duplicate']));
    await until(() => expect(fixture.outcomeSeenByLab(order.id)).toBe('duplicate'));
    const rows = await storedRows(order.id);
    expect(rows).toHaveLength(1);
    expect(await database.db.select().from(quarantinedResults).where(eq(quarantinedResults.experimentId, order.id))).toEqual([]);
  });

  test('a repeat with a different value is a conflict: quarantined beside the stored result, and acknowledged as such', async () => {
    const { campaign, fixture, outcomes } = await started(1);
    const order = campaign.orders[0] as ExperimentOrder;
    await fixture.adapter.dispatch(order);
    await until(() => expect(outcomes.filter((o) => o.experimentId === order.id)).toHaveLength(1));
    const stored = (await storedRows(order.id))[0];
    await until(() => expect(fixture.robot.outbox.get(order.id)?.acked).toBe(true));
    fixture.report({ experimentId: order.id, status: 'completed', values: { yield: 12.5 } }); // the robot reports again, differently
    await until(() => expect(outcomes.filter((o) => o.experimentId === order.id).map((o) => o.outcome)).toEqual(['stored', 'conflict']));
    await until(() => expect(fixture.outcomeSeenByLab(order.id)).toBe('conflict'));
    const rows = await storedRows(order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.values).toEqual(stored?.values); // the first report stands
    const kept = await database.db.select().from(quarantinedResults).where(eq(quarantinedResults.experimentId, order.id));
    expect(kept).toHaveLength(1);
    expect(kept[0]?.reason).toMatch(/conflicting duplicate/);
    expect(kept[0]?.raw).toMatchObject({ values: { yield: 12.5 } });
    expect(kept[0]?.source).toBe('lab:test');
    const [event] = await database.db.select().from(eventsTable).where(and(eq(eventsTable.campaignId, campaign.id), eq(eventsTable.type, 'result.quarantined')));
    expect(event?.payload).toMatchObject({ experimentId: order.id, reason: expect.stringMatching(/conflicting duplicate/) });
  });

  test('a result for an unknown experiment is quarantined and reported, not dropped', async () => {
    const { fixture, outcomes } = await started(1);
    const stranger = randomUUID();
    fixture.report({ experimentId: stranger, status: 'completed', values: { yield: 42 } });
    await until(() => expect(outcomes).toContainEqual({ experimentId: stranger, outcome: 'quarantined' }));
    await until(() => expect(fixture.outcomeSeenByLab(stranger)).toBe('quarantined'));
    const kept = await database.db.select().from(quarantinedResults).where(eq(quarantinedResults.experimentId, stranger));
    expect(kept).toHaveLength(1);
    expect(kept[0]?.reason).toMatch(/no experiment of this campaign has this id/);
    expect(kept[0]?.raw).toMatchObject({ experimentId: stranger, values: { yield: 42 } });
  });

  test('bad payloads are refused with a specific error and leave no trace but a logged refusal', async () => {
    const { campaign, fixture, outcomes } = await started(3);
    // experiments Athanor has in the lab (the robot never got them): only a valid report could close them
    const bad = [
      { payload: { experimentId: campaign.orders[0]?.id, status: 'completed', values: { yield: 'seventy' } }, code: /invalid_result/, says: /yield/ },
      { payload: { experimentId: campaign.orders[1]?.id, status: 'completed', values: {} }, code: /missing_field/, says: /yield/ },
      { payload: { experimentId: campaign.orders[2]?.id, status: 'completed', values: { yield: 140 } }, code: /out_of_bounds/, says: /outside the objective's bounds \[0, 100\]/ },
    ];
    for (const { payload, code, says } of bad) {
      const id = payload.experimentId as string;
      fixture.report(payload);
      await until(() => expect(fixture?.refusalSeenByLab(id)).toMatch(says));
      // logged by the adapter (or, for callbacks, the receiving endpoint) with its code or reason
      expect(fixture.lines.some((l) => /refused/.test(String(l.msg)) && (code.test(String(l.code)) || says.test(String(l.reason))))).toBe(true);
    }
    await sleep(200);
    for (const order of campaign.orders) {
      expect(await storedRows(order.id)).toEqual([]);
      expect(await statusOf(order.id)).toBe('dispatched');
      expect(await database.db.select().from(quarantinedResults).where(eq(quarantinedResults.experimentId, order.id))).toEqual([]);
    }
    expect(outcomes.filter((o) => o.outcome !== 'refused')).toEqual([]);
  });

  test('with the robot down, dispatch is retried and then fails clearly', async () => {
    const campaign = await campaignWith(1);
    const down = await kind.down(campaign);
    open.push(down);
    const order = campaign.orders[0] as ExperimentOrder;
    if (down.failure === 'dispatch') {
      let attempts = 0;
      const attempt = retry(
        () => {
          attempts++;
          return down.adapter.dispatch(order);
        },
        { label: 'dispatch', attempts: 3, baseMs: 20, retryOn: (e) => e instanceof TransientLabError },
      );
      await expect(attempt).rejects.toThrow(TransientLabError);
      await expect(attempt).rejects.toThrow(/unreachable|no answer from the robot|not connected/);
      expect(attempts).toBe(3);
      expect((await down.adapter.health()).ok).toBe(false);
    } else {
      const outcomes: Outcome[] = [];
      await down.adapter.start(storingHandler(campaign.id, outcomes));
      await down.adapter.dispatch(order);
      await until(() => expect(outcomes).toEqual([{ experimentId: order.id, outcome: 'failed' }]));
      const [row] = await database.db.select().from(experimentsTable).where(eq(experimentsTable.id, order.id));
      expect(row?.failureReason).toMatch(/no result within 0.4 s of dispatch/);
    }
  });

  test('cancel: a cancelled experiment reports nothing, and cannot be cancelled twice', async () => {
    const { campaign, fixture, outcomes } = await started(2);
    const [keep, drop] = campaign.orders as [ExperimentOrder, ExperimentOrder];
    await fixture.adapter.dispatch(keep);
    await fixture.adapter.dispatch(drop);
    expect(await fixture.adapter.cancel(drop.id)).toBe(true);
    expect(await fixture.adapter.status(drop.id)).toBe('cancelled');
    await until(() => expect(outcomes.map((o) => o.experimentId)).toContain(keep.id));
    await sleep(LATENCY_MS * 3);
    expect(outcomes.map((o) => o.experimentId)).not.toContain(drop.id);
    expect(await fixture.adapter.cancel(drop.id)).toBe(false);
    expect(await fixture.adapter.cancel(keep.id)).toBe(false); // finished
    expect(await fixture.adapter.cancel(randomUUID())).toBe(false);
  });

  test(`capacity: at most ${CAPACITY} experiments in the lab at once`, async () => {
    const { campaign, fixture, outcomes } = await started(CAPACITY + 1, true);
    const orders = campaign.orders;
    for (const order of orders.slice(0, CAPACITY)) expect(await fixture.adapter.dispatch(order)).toEqual({ duplicate: false });
    const extra = orders[CAPACITY] as ExperimentOrder;
    await expect(fixture.adapter.dispatch(extra)).rejects.toThrow(TransientLabError);
    await expect(fixture.adapter.dispatch(extra)).rejects.toThrow(/full|busy/);
    expect(fixture.robot.lab.acceptedCounts().has(extra.id)).toBe(false);
    await until(() => expect(outcomes.length).toBeGreaterThan(0));
    await until(async () => expect(await fixture?.adapter.dispatch(extra)).toEqual({ duplicate: false }));
    await until(() => expect(outcomes.map((o) => o.experimentId).sort()).toEqual(orders.map((o) => o.id).sort()));
    expect([...fixture.robot.lab.acceptedCounts().values()]).toEqual(Array(CAPACITY + 1).fill(1));
    expect(fixture.robot.lab.load().running).toBeLessThanOrEqual(CAPACITY);
  });
});

describe('file drop specifics', () => {
  it('never reads a file still being written; archives what it took; refuses malformed files with a reason file', async () => {
    const campaign = await campaignWith(2);
    const folder = join(home, `files-partial-${randomUUID()}`);
    const adapter = new FileDropAdapter({ labId: campaign.id, folder, capacity: 5, batchWindowMs: 10, pollIntervalMs: 30, settleMs: 400, plateWells: 96, expectations: EXPECT });
    const outcomes: Outcome[] = [];
    await adapter.start(storingHandler(campaign.id, outcomes));
    try {
      for (const order of campaign.orders) await adapter.dispatch(order);
      // one worklist for the batch, and its plate map
      await until(() => expect(readdirSync(adapter.folders.outbox).sort()).toEqual([`platemap-${campaign.id.replace(/-/g, '').slice(0, 8)}-0001.csv`, `worklist-${campaign.id.replace(/-/g, '').slice(0, 8)}-0001.csv`]));
      const worklist = readFileSync(join(adapter.folders.outbox, readdirSync(adapter.folders.outbox).find((f) => f.startsWith('worklist')) as string), 'utf8');
      expect(worklist.split('\n')[0]).toBe('experiment_id,campaign_id,seq,well,base,ligand,solvent,temperature,concentration,base_smiles,ligand_smiles,solvent_smiles,candidate_key');
      expect(worklist).toContain(`${campaign.orders[1]?.id},${campaign.id},2,A2,`);
      const plate = readFileSync(join(adapter.folders.outbox, readdirSync(adapter.folders.outbox).find((f) => f.startsWith('platemap')) as string), 'utf8').split('\n');
      expect(plate[0]).toBe(',1,2,3,4,5,6,7,8,9,10,11,12');
      expect(plate[1]).toBe('A,1,2,,,,,,,,,,');

      // a lab writing slowly, in place: half a file, then the rest
      const [first, second] = campaign.orders as [ExperimentOrder, ExperimentOrder];
      const path = join(adapter.folders.inbox, 'results-1.csv');
      writeFileSync(path, `experiment_id,status,yield\n${first.id},completed,5`);
      await sleep(250);
      appendFileSync(path, '5.5\n');
      await sleep(250);
      appendFileSync(path, `${second.id},failed,\n`); // a failed row without its reason
      await sleep(150);
      expect(outcomes).toEqual([]); // still being written: never read
      // the file is broken (a failed row needs a reason): refused whole, nothing stored
      await until(() => expect(existsSync(join(adapter.folders.error, 'results-1.csv.reason.txt'))).toBe(true), 5000);
      expect(readFileSync(join(adapter.folders.error, 'results-1.csv.reason.txt'), 'utf8')).toMatch(/row 3 \(reason\)/);
      expect(outcomes).toEqual([]);

      writeFileSync(join(adapter.folders.inbox, 'results-2.csv'), `experiment_id,status,yield,reason,operator\n${first.id},completed,55.5,,Ada\n${second.id},failed,,clogged needle,Ada\n`);
      await until(() => expect(outcomes).toEqual([
        { experimentId: first.id, outcome: 'stored' },
        { experimentId: second.id, outcome: 'failed' },
      ]), 5000);
      await until(() => expect(readdirSync(adapter.folders.archive).sort()).toEqual(['results-2.csv', 'results-2.csv.outcome.csv']));
      // the file protocol's acknowledgement: what became of each row
      expect(readFileSync(join(adapter.folders.archive, 'results-2.csv.outcome.csv'), 'utf8').trim().split('\n')).toEqual([
        'experiment_id,outcome,detail',
        `${first.id},stored,`,
        `${second.id},stored,`,
      ]);
      expect((await storedRows(first.id))[0]?.values).toEqual({ yield: 55.5 });
      expect(await adapter.status(second.id)).toBe('failed');
    } finally {
      await adapter.stop();
    }
  });

  it('remembers across a restart: a dispatch accepted before a crash is written once, never twice', async () => {
    const campaign = await campaignWith(1);
    const folder = join(home, `files-restart-${randomUUID()}`);
    const journalPath = join(folder, 'journal.jsonl');
    const options = { labId: campaign.id, folder, capacity: 5, batchWindowMs: 60_000, pollIntervalMs: 30, settleMs: 50, journalPath };
    const order = campaign.orders[0] as ExperimentOrder;
    const first = new FileDropAdapter(options);
    try {
      await first.dispatch(order); // journaled, worklist not yet written (long batch window) … and the process dies
      const second = new FileDropAdapter(options);
      expect(await second.status(order.id)).toBe('queued');
      expect(await second.dispatch(order)).toEqual({ duplicate: true });
      await second.start(async () => {});
      await second.stop();
      const third = new FileDropAdapter(options);
      await third.start(async () => {});
      await third.stop();
      expect(readdirSync(join(folder, 'outbox')).filter((f) => f.startsWith('worklist'))).toHaveLength(1);
    } finally {
      // the "crashed" adapter still holds its batch window's timer: without a stop it fires after the
      // test into a deleted folder and retries every second for the rest of the run
      await first.stop();
    }
  });
});

describe('MQTT specifics', () => {
  it('signed results: an unsigned or forged result is refused, quarantined and not acknowledged; the robot\'s signed one is stored', async (ctx) => {
    if (!mqttUp) ctx.skip();
    const campaign = await campaignWith(1);
    const order = campaign.orders[0] as ExperimentOrder;
    const prefix = `athanor-test/${randomUUID()}`;
    const secret = randomUUID();
    const { log, lines } = capturingLogger();
    // slow runs: the forgeries arrive while the experiment is still running at the robot
    const robot = await startMqttRobot({ ...robotSettings(true), brokerUrl: BROKER, topicPrefix: prefix, redeliverMs: 300, clientId: `lab-sim-test-${randomUUID()}`, secret });
    await robot.ready;
    const clientId = `athanor-test-${randomUUID()}`;
    const adapter = new MqttRobotAdapter({ labId: campaign.id, brokerUrl: BROKER, topicPrefix: prefix, capacity: CAPACITY, clientId, requestTimeoutMs: 2000, expectations: EXPECT, resultSecret: secret, log });
    const outcomes: Outcome[] = [];
    const forger = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 });
    const acks: unknown[] = [];
    forger.on('message', (_t, payload) => acks.push(JSON.parse(payload.toString())));
    try {
      await adapter.start(storingHandler(campaign.id, outcomes), {
        quarantine: (report) => quarantineReport(database.db, { campaignId: campaign.id, ...report, source: 'lab:test' }),
      });
      await until(async () => expect((await adapter.health()).ok).toBe(true));
      await forger.subscribeAsync(`${prefix}/acks/${campaign.id}`, { qos: 1 });
      await adapter.dispatch(order);
      // another client of the broker: unsigned, and signed with the wrong key
      await forger.publishAsync(`${prefix}/results/${campaign.id}`, JSON.stringify({ experimentId: order.id, status: 'completed', values: { yield: 77.7 } }), { qos: 1 });
      await forger.publishAsync(`${prefix}/results/${campaign.id}`, signResultMessage('not-the-key', { experimentId: order.id, status: 'completed', values: { yield: 66.6 } }), { qos: 1 });
      await until(async () => expect(await database.db.select().from(quarantinedResults).where(eq(quarantinedResults.experimentId, order.id))).toHaveLength(2));
      const kept = await database.db.select().from(quarantinedResults).where(eq(quarantinedResults.experimentId, order.id));
      expect(kept.map((k) => k.reason).sort()).toEqual([expect.stringMatching(/not authenticated \(bad_signature\)/), expect.stringMatching(/not authenticated \(unsigned\)/)]);
      expect(JSON.stringify(kept.map((k) => k.raw))).toContain('77.7');
      expect(lines.some((l) => /result refused/.test(String(l.msg)) && l.code === 'unsigned')).toBe(true);
      // the robot's own, signed result is the one stored
      await until(() => expect(outcomes).toEqual([{ experimentId: order.id, outcome: 'stored' }]));
      const stored = (await storedRows(order.id))[0];
      expect(stored?.values.yield).not.toBe(77.7);
      expect(stored?.values.yield).not.toBe(66.6);
      await until(() => expect(robot.outbox.acks.get(order.id)).toEqual({ outcome: 'stored' }));
      // nothing but the acceptance of the real result was acknowledged
      expect(acks).toEqual([{ experimentId: order.id, accepted: true, outcome: 'stored' }]);
    } finally {
      await forger.endAsync();
      await adapter.stop();
      await robot.close();
      await forgetMqtt(prefix, [clientId]);
    }
  });

  it('commands carry an expiry; a robot back from offline does not run an expired command', async (ctx) => {
    if (!mqttUp) ctx.skip();
    const campaign = await campaignWith(4);
    const [viaAdapter, staleByBroker, staleByRobot, fresh] = campaign.orders as [ExperimentOrder, ExperimentOrder, ExperimentOrder, ExperimentOrder];
    const prefix = `athanor-test/${randomUUID()}`;
    const robotId = `lab-sim-test-${randomUUID()}`;
    const settings = { ...robotSettings(), brokerUrl: BROKER, topicPrefix: prefix, redeliverMs: 300, clientId: robotId };
    let robot = await startMqttRobot(settings);
    await robot.ready;
    const clientId = `athanor-test-${randomUUID()}`;
    const adapter = new MqttRobotAdapter({ labId: campaign.id, brokerUrl: BROKER, topicPrefix: prefix, capacity: CAPACITY, clientId, requestTimeoutMs: 2000, commandExpiryMs: 7000 });
    const watcher = await mqtt.connectAsync(BROKER, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      // what the adapter sends: expiresAt in the body, and the MQTT 5 message expiry interval
      const seen: { body: Record<string, unknown>; expiry?: number }[] = [];
      watcher.on('message', (_topic, payload, packet) => seen.push({ body: JSON.parse(payload.toString()) as Record<string, unknown>, ...(packet.properties?.messageExpiryInterval !== undefined ? { expiry: packet.properties.messageExpiryInterval } : {}) }));
      await watcher.subscribeAsync(`${prefix}/commands/dispatch`, { qos: 1 });
      await adapter.start(async () => {});
      await until(async () => expect((await adapter.health()).ok).toBe(true));
      const before = Date.now();
      await adapter.dispatch(viaAdapter);
      await until(() => expect(seen).toHaveLength(1));
      expect(seen[0]?.expiry).toBe(7);
      expect(seen[0]?.body.expiresAt).toBeGreaterThanOrEqual(before + 7000);
      expect(seen[0]?.body.expiresAt).toBeLessThanOrEqual(Date.now() + 7000);

      // the robot goes offline; its session keeps QoS 1 commands at the broker
      await robot.close();
      const publish = (order: ExperimentOrder, expiresAt: number, expirySeconds?: number) =>
        watcher.publishAsync(`${prefix}/commands/dispatch`, JSON.stringify({ requestId: randomUUID(), replyTo: `${prefix}/replies/nobody`, expiresAt, order: orderToBody(order) }), {
          qos: 1,
          ...(expirySeconds !== undefined ? { properties: { messageExpiryInterval: expirySeconds } } : {}),
        });
      await publish(staleByBroker, Date.now() + 1000, 1); // the broker drops it after 1 s (MQTT 5)
      await publish(staleByRobot, Date.now() + 1000); // only expiresAt: delivered, and the robot must refuse it
      await publish(fresh, Date.now() + 60_000, 60); // still valid when the robot is back: it runs
      await sleep(1500);
      robot = await startMqttRobot(settings);
      await robot.ready;
      await until(() => expect(robot.lab.acceptedCounts().get(fresh.id)).toBe(1));
      await sleep(300);
      expect(robot.lab.acceptedCounts().has(staleByBroker.id)).toBe(false);
      expect(robot.lab.acceptedCounts().has(staleByRobot.id)).toBe(false);
    } finally {
      await watcher.endAsync();
      await adapter.stop();
      await robot.close();
      await forgetMqtt(prefix, [clientId, robotId]);
    }
  });

  it('reconnects and resubscribes after losing the broker connection', async (ctx) => {
    if (!mqttUp) ctx.skip();
    const campaign = await campaignWith(2);
    const prefix = `athanor-test/${randomUUID()}`;
    const robot = await startMqttRobot({ ...robotSettings(), brokerUrl: BROKER, topicPrefix: prefix, redeliverMs: 300, clientId: `lab-sim-test-${randomUUID()}` });
    await robot.ready;
    const clientId = `athanor-test-${randomUUID()}`;
    const adapter = new MqttRobotAdapter({ labId: campaign.id, brokerUrl: BROKER, topicPrefix: prefix, capacity: CAPACITY, clientId, requestTimeoutMs: 2000, reconnectMs: 200, expectations: EXPECT });
    const outcomes: Outcome[] = [];
    try {
      await adapter.start(storingHandler(campaign.id, outcomes));
      await until(async () => expect((await adapter.health()).ok).toBe(true));
      const [a, b] = campaign.orders as [ExperimentOrder, ExperimentOrder];
      await adapter.dispatch(a);
      // another client takes over our client id: the broker drops our connection
      const usurper = await mqtt.connectAsync(BROKER, { clientId, clean: false, reconnectPeriod: 0 });
      await until(async () => expect((await adapter.health()).ok).toBe(false), 3000);
      await usurper.endAsync();
      await until(async () => expect((await adapter.health()).ok).toBe(true), 5000);
      await adapter.dispatch(b);
      await until(() => expect(outcomes.map((o) => o.experimentId).sort()).toEqual([a.id, b.id].sort()));
      expect(outcomes.every((o) => o.outcome === 'stored')).toBe(true);
    } finally {
      await adapter.stop();
      await robot.close();
      await forgetMqtt(prefix, [clientId]);
    }
  });
});
