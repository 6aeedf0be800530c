/**
 * Lab faults through the campaign runner on the protocols other than HTTP (test/lab-faults.test.ts
 * has HTTP): MQTT, file drop and SiLA 2, each against its real reference robot (the Mosquitto
 * broker on 127.0.0.1, real folders, gRPC on loopback) with real PGlite. The faults of issue 19
 * that apply to each protocol, in that protocol's own terms:
 * - MQTT: a busy robot's retryAfterS honoured (MQTT's Retry-After); a hung command (its reply held
 *   back by a relay between two topic prefixes) not blocking the rest of the batch;
 * - file drop: nobody taking the worklists while the campaign dispatches (nothing failed, the
 *   budget finished once the robot comes); experiments given up on (experiment_timeout_s) while
 *   the robot is offline are not run when it comes back (the file drop's expired command);
 * - SiLA 2: a station fuller than the campaign's capacity (StationFull: held, backoff and probes,
 *   nothing failed; SiLA 2 has no retry hint of its own); a hung RunExperiment (held back by a gRPC
 *   proxy, test/sila2-proxy.ts) not blocking the rest of the batch.
 * And, on every protocol, reports that are not stored (a result for an unknown experiment id, a
 * conflicting second report) going through the runner's own ingestion: listed by the query behind
 * GET /api/campaigns/{id}/quarantine and the panel, with an event, and acknowledged to the robot
 * as `quarantined` / `conflict` (SiLA 2: the station is not told; results are read, not delivered).
 * And an experiment given up on (experiment_timeout_s) is cancelled at the robot (HTTP, MQTT, SiLA 2).
 * MQTT cases skip with a message when no broker answers, unless ATHANOR_REQUIRE_MQTT=1.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCampaign } from '../src/agent/index.js';
import { loadCampaignFile, type CampaignSpec } from '../src/campaign/index.js';
import { countByStatus, events as eventsTable, listExperiments, listQuarantined, listQuarantinedOf, openDatabase, results as resultsTable, type Database } from '../src/db/index.js';
import { startHttpRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import type { ReportOutbox } from '../src/lab-adapters/reference-robot/report-outbox.js';
import { sila } from '../src/lab-adapters/sila2/sila-protocol.js';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startFilesRobot } from '../src/lab-adapters/reference-robot/files-robot.js';
import { startMqttRobot } from '../src/lab-adapters/reference-robot/mqtt-robot.js';
import { startSila2Station } from '../src/lab-adapters/reference-robot/sila2-station.js';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, tempHome } from './helpers.js';
import { Sila2FaultProxy } from './sila2-proxy.js';

const BROKER = process.env.ATHANOR_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const { home, cleanup } = tempHome('athanor-lab-faults-protocols-');
let database: Database;
let da: CampaignSpec;
let oracle: DatasetOracle;
let mqttUp = false;

beforeAll(async () => {
  da = (await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'))).spec;
  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  database = await openDatabase({ home: join(home, 'db') });
  try {
    await (await mqtt.connectAsync(BROKER, { connectTimeout: 2000, reconnectPeriod: 0 })).endAsync();
    mqttUp = true;
  } catch (error) {
    if (process.env.ATHANOR_REQUIRE_MQTT) throw new Error(`ATHANOR_REQUIRE_MQTT is set but no MQTT broker answers at ${BROKER}: ${(error as Error).message}`);
    console.warn(`skipping MQTT tests: no broker at ${BROKER} (start mosquitto, or set ATHANOR_REQUIRE_MQTT=1 to fail instead)`);
  }
});
afterAll(async () => {
  await database?.close();
  cleanup();
});

const robotOptions = (capacity: number, seed = 3) => ({ oracle, source: 'direct_arylation.csv', capacity, parallel: capacity, minLatencyMs: 100, latencyMs: 100, seed, log: pino({ level: 'silent' }) });
const until = (check: () => void | Promise<void>, timeout = 60_000) => vi.waitFor(check, { timeout, interval: 50 });

/** A campaign on `lab` whose files live in the test's home (baseDir: lab folders resolve there); the
 * spec does not pass through the file schema, so the lab's defaults are given here. */
async function campaign(lab: Record<string, unknown>, budget: { experiments: number; batch: number }) {
  const { dataFolders: _examples, ...rest } = da as CampaignSpec & { dataFolders?: unknown };
  const spec = { ...rest, baseDir: home, budget, lab: { pause_after_unhealthy_s: 120, ...lab } } as unknown as CampaignSpec;
  const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
  const outages: string[] = [];
  runner.on('lab-outage', (reason: string) => outages.push(reason));
  await runner.start();
  return { runner, outages };
}

const eventTypes = async (campaignId: string) => (await database.db.select({ type: eventsTable.type }).from(eventsTable).where(eq(eventsTable.campaignId, campaignId))).map((e) => e.type);

/** Ends the persistent MQTT sessions and retained presence a test left on the shared broker. */
async function forgetMqtt(prefixes: string[], clientIds: string[]): Promise<void> {
  for (const clientId of clientIds) await (await mqtt.connectAsync(BROKER, { clientId, clean: true, reconnectPeriod: 0 })).endAsync();
  const client = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 });
  for (const prefix of prefixes) await client.publishAsync(`${prefix}/robot/online`, '', { retain: true, qos: 1 });
  await client.endAsync();
}

describe('MQTT: lab faults through the campaign runner', () => {
  it("a busy robot's retryAfterS is honoured: the refused command is sent again no sooner; nothing failed", async (ctx) => {
    if (!mqttUp) ctx.skip();
    const prefix = `athanor-test/${randomUUID()}`;
    const robotId = `lab-sim-busy-${randomUUID().slice(0, 8)}`;
    const clientId = `athanor-busy-${randomUUID().slice(0, 8)}`;
    // the robot has room for one experiment, the campaign sends three at once: two are answered busy
    const robot = await startMqttRobot({ ...robotOptions(1), brokerUrl: BROKER, topicPrefix: prefix, redeliverMs: 300, clientId: robotId, busyRetryAfterS: 2 });
    await robot.ready;
    const watcher = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 });
    const seen: { at: number; topic: string; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    watcher.on('message', (topic, payload) => seen.push({ at: Date.now(), topic, body: JSON.parse(payload.toString()) }));
    await watcher.subscribeAsync([`${prefix}/commands/dispatch`, `${prefix}/replies/+`], { qos: 1 });
    const { runner, outages } = await campaign({ type: 'mqtt', broker: BROKER, topic_prefix: prefix, client_id: clientId, request_timeout_ms: 2000, command_expiry_s: 30, capacity: 3 }, { experiments: 3, batch: 3 });
    try {
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 3, failed: 0 });
      const commands = seen.filter((s) => s.topic.endsWith('/commands/dispatch'));
      const replies = new Map(seen.filter((s) => s.topic.includes('/replies/')).map((s) => [s.body.requestId as string, s]));
      const busy = commands.filter((c) => replies.get(c.body.requestId)?.body.error?.code === 'busy');
      expect(busy.length).toBeGreaterThan(0);
      expect(replies.get(busy[0]!.body.requestId)?.body.error).toMatchObject({ transient: true, retryAfterS: 2 });
      for (const refused of busy) {
        const refusedAt = replies.get(refused.body.requestId)!.at;
        const next = commands.find((c) => c.body.order.experimentId === refused.body.order.experimentId && c.at > refusedAt);
        expect(next, `experiment ${refused.body.order.experimentId} sent again`).toBeDefined();
        // the adapter and this watcher hear the reply within moments of each other; the old backoff came back after 0.5 s
        expect(next!.at - refusedAt).toBeGreaterThanOrEqual(1800);
      }
      expect([...robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1]);
      expect(await eventTypes(runner.campaignId)).toContain('experiment.held');
      expect(outages).toEqual([]);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await watcher.endAsync();
      await robot.close();
      await forgetMqtt([prefix], [clientId, robotId]);
    }
  });

  it('a hung command (no reply for longer than request_timeout_ms) does not hold up the rest of the batch', async (ctx) => {
    if (!mqttUp) ctx.skip();
    // Athanor talks on prefix A, the robot listens on prefix R; a relay passes everything across
    // and holds the batch's first dispatch command back 4 s (the robot replies straight to replyTo)
    const a = `athanor-test/${randomUUID()}`;
    const r = `athanor-test/${randomUUID()}`;
    const robotId = `lab-sim-hung-${randomUUID().slice(0, 8)}`;
    const clientId = `athanor-hung-${randomUUID().slice(0, 8)}`;
    const robot = await startMqttRobot({ ...robotOptions(3), brokerUrl: BROKER, topicPrefix: r, redeliverMs: 300, clientId: robotId });
    await robot.ready;
    const relay: MqttClient = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 });
    const passed: { at: number; id: string }[] = [];
    let hung: { at: number; id: string; timer: NodeJS.Timeout } | undefined;
    relay.on('message', (topic, payload, packet) => {
      const across = topic.startsWith(`${a}/`) ? `${r}/${topic.slice(a.length + 1)}` : `${a}/${topic.slice(r.length + 1)}`;
      const send = () => relay.publish(across, payload, { qos: 1, retain: packet.retain });
      if (topic === `${a}/commands/dispatch`) {
        const id = (JSON.parse(payload.toString()) as { order: { experimentId: string } }).order.experimentId;
        if (!hung) {
          hung = { at: Date.now(), id, timer: setTimeout(send, 4000) };
          return;
        }
        passed.push({ at: Date.now(), id });
      }
      send();
    });
    await relay.subscribeAsync([`${a}/commands/+`, `${a}/acks/+`, `${r}/results/+`, `${r}/robot/online`], { qos: 1 });
    const { runner, outages } = await campaign({ type: 'mqtt', broker: BROKER, topic_prefix: a, client_id: clientId, request_timeout_ms: 2000, command_expiry_s: 30, capacity: 3 }, { experiments: 3, batch: 3 });
    try {
      // the two others were sent while the first still hung, before its request_timeout_ms (2 s) ran out:
      // a serial dispatch would have sent them only after that
      await until(() => expect(new Set(passed.filter((p) => p.id !== hung?.id).map((p) => p.id)).size).toBe(2));
      const others = passed.filter((p) => p.id !== hung!.id).slice(0, 2);
      expect(others.every((p) => p.at < hung!.at + 2000)).toBe(true);
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 3, failed: 0 });
      // the hung command timed out, its experiment was held and sent again: still run once
      expect(await eventTypes(runner.campaignId)).toContain('experiment.held');
      expect([...robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1]);
      expect(outages).toEqual([]);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      clearTimeout(hung?.timer);
      await relay.endAsync();
      await robot.close();
      await forgetMqtt([a, r], [clientId, robotId]);
    }
  });
});

describe('file drop: lab faults through the campaign runner', () => {
  const filesLab = (folder: string, extra: Record<string, unknown> = {}) => ({ type: 'files', folder, batch_window_ms: 50, poll_interval_ms: 50, settle_ms: 100, capacity: 2, ...extra });

  it('nobody takes the worklists while the campaign dispatches: nothing failed, the budget is finished once the robot comes', async () => {
    const folder = `lab-down-${randomUUID().slice(0, 8)}`;
    const { runner, outages } = await campaign(filesLab(folder), { experiments: 4, batch: 2 });
    let robot: Awaited<ReturnType<typeof startFilesRobot>> | undefined;
    try {
      // the first batch is out (a worklist in outbox/), nobody there to take it
      await until(() => expect(readdirSync(join(home, folder, 'outbox')).filter((f) => f.startsWith('worklist-'))).toHaveLength(1));
      await until(async () => expect((await countByStatus(database.db, runner.campaignId)).dispatched).toBe(2));
      expect((await countByStatus(database.db, runner.campaignId)).failed ?? 0).toBe(0);
      robot = await startFilesRobot({ ...robotOptions(2), folder: join(home, folder), intervalMs: 50 });
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 4, failed: 0 });
      expect([...robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1, 1]);
      expect(outages).toEqual([]);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await robot?.close();
    }
  });

  it('an outbox that cannot take files (here a file in its place) holds the next batch, health says why; once it is a folder again the budget is finished', async () => {
    const folder = `lab-broken-${randomUUID().slice(0, 8)}`;
    const outbox = join(home, folder, 'outbox');
    // runs of at least 1.5 s: the outbox is broken while the first batch is at the robot, before the second is dispatched
    const robot = await startFilesRobot({ ...robotOptions(2), minLatencyMs: 1500, folder: join(home, folder), intervalMs: 50 });
    const { runner, outages } = await campaign(filesLab(folder), { experiments: 4, batch: 2 });
    try {
      await until(() => expect(readdirSync(join(home, folder, 'taken')).filter((f) => f.startsWith('worklist-'))).toHaveLength(1));
      rmSync(outbox, { recursive: true });
      writeFileSync(outbox, 'not a folder');
      await until(async () => expect((await eventTypes(runner.campaignId)).filter((t) => t === 'experiment.held').length).toBeGreaterThanOrEqual(1));
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 2, failed: 0, planned: 2 });
      rmSync(outbox);
      mkdirSync(outbox);
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 4, failed: 0 });
      expect([...robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1, 1]);
      expect(outages).toEqual([]);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await robot.close();
    }
  });

  it('experiments given up on (experiment_timeout_s) while the robot is offline are not run when it comes back', async () => {
    const folder = `lab-stale-${randomUUID().slice(0, 8)}`;
    const { runner } = await campaign(filesLab(folder, { experiment_timeout_s: 1 }), { experiments: 2, batch: 2 });
    let robot: Awaited<ReturnType<typeof startFilesRobot>> | undefined;
    try {
      // the worklist waits in outbox/; the experiments time out and are failed by the campaign (its own choice)
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ failed: 2, completed: 0 });
      const outbox = join(home, folder, 'outbox');
      const worklists = readdirSync(outbox).filter((f) => f.startsWith('worklist-'));
      expect(worklists).toHaveLength(1);
      // the robot back from offline finds the stale worklist: it must not run those experiments
      robot = await startFilesRobot({ ...robotOptions(2), folder: join(home, folder), intervalMs: 50 });
      await until(() => expect(readdirSync(outbox).filter((f) => /^(worklist|cancel)-/.test(f))).toEqual([]));
      const ids = (await database.db.select({ id: resultsTable.experimentId }).from(resultsTable).where(eq(resultsTable.campaignId, runner.campaignId))).map((r) => r.id);
      expect(ids).toEqual([]);
      // it read them (both accepted from the worklist) and cancelled them (the cancellation list) before they ran:
      // cancelled experiments report nothing, so nothing comes back late to be quarantined
      const taken = [...robot.lab.acceptedCounts().keys()];
      expect(taken).toHaveLength(2);
      for (const id of taken) expect(await robot.lab.status(id)).toBe('cancelled');
      expect(robot.lab.resultOf(taken[0]!)).toBeUndefined();
      expect(await listQuarantined(database.db, runner.campaignId)).toEqual([]);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await robot?.close();
    }
  });
});

describe('SiLA 2: lab faults through the campaign runner', () => {
  it('a station fuller than the campaign expects (StationFull): held, backoff and probes, the budget finished, nothing failed', async () => {
    const token = 'full-station-token';
    process.env.ATHANOR_TEST_SILA_FULL_TOKEN = token;
    // the station has room for one experiment; the campaign sends three at once
    const station = await startSila2Station({ ...robotOptions(1), port: 0, accessToken: token, tickMs: 20 });
    try {
      const { runner, outages } = await campaign({ type: 'sila2', address: station.address, access_token_env: 'ATHANOR_TEST_SILA_FULL_TOKEN', request_timeout_ms: 3000, lock: true, lock_timeout_s: 60, plaintext: false, capacity: 3 }, { experiments: 3, batch: 3 });
      try {
        expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
        expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 3, failed: 0 });
        expect(await eventTypes(runner.campaignId)).toContain('experiment.held');
        expect([...station.lab.acceptedCounts().values()]).toEqual([1, 1, 1]);
        expect(outages).toEqual([]);
      } finally {
        await runner.detach(2000).catch(() => undefined);
      }
    } finally {
      await station.close();
    }
  });

  it('a hung RunExperiment (no confirmation within request_timeout_ms) does not hold up the rest of the batch', async () => {
    const token = 'hung-station-token';
    process.env.ATHANOR_TEST_SILA_HUNG_TOKEN = token;
    const station = await startSila2Station({ ...robotOptions(3), port: 0, accessToken: token, tickMs: 20 });
    const proxy = new Sila2FaultProxy(station.address);
    await proxy.start();
    proxy.holdNextRunMs = 4000;
    try {
      const { runner, outages } = await campaign({ type: 'sila2', address: proxy.address, access_token_env: 'ATHANOR_TEST_SILA_HUNG_TOKEN', request_timeout_ms: 2000, lock: true, lock_timeout_s: 60, plaintext: false, capacity: 3 }, { experiments: 3, batch: 3 });
      try {
        // the other two were confirmed while the first still hung, before its 2 s time-out: a serial dispatch would have waited for it
        await until(() => expect(station.lab.acceptedCounts().size).toBeGreaterThanOrEqual(2));
        const hung = proxy.calls.find((c) => c.note === 'held')!;
        const others = proxy.calls.filter((c) => c.method === 'RunExperiment' && c.experimentId !== hung.experimentId && c.note === undefined);
        expect(new Set(others.map((c) => c.experimentId)).size).toBe(2);
        expect(others.every((c) => c.at < hung.at + 2000)).toBe(true);
        expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
        expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 3, failed: 0 });
        expect(await eventTypes(runner.campaignId)).toContain('experiment.held');
        expect([...station.lab.acceptedCounts().values()]).toEqual([1, 1, 1]); // the late original found its execution
        expect(outages).toEqual([]);
      } finally {
        await runner.detach(2000).catch(() => undefined);
      }
    } finally {
      await proxy.close();
      await station.close();
    }
  });
});

describe('reports that are not stored, through the campaign runner: listed for the API and the panel, acknowledged as such', () => {
  interface Robot {
    lab: Record<string, unknown>;
    outbox: ReportOutbox;
    /** What the robot was told about its latest report on `id`. */
    outcomeSeen(id: string): string | undefined;
    close(): Promise<void>;
  }
  // four experiments one after another, each at least 0.6 s at the robot: the campaign is still
  // running when the injected reports arrive, after the first result was stored
  const slow = () => ({ oracle, source: 'direct_arylation.csv', capacity: 1, parallel: 1, minLatencyMs: 600, latencyMs: 100, seed: 6, log: pino({ level: 'silent' }) });
  const acked = (outbox: ReportOutbox) => (id: string) => outbox.acks.get(id)?.outcome;
  const kinds: { name: string; mqtt?: boolean; start(): Promise<Robot> }[] = [
    {
      name: 'HTTP polling',
      async start() {
        const robot = await startHttpRobot({ ...slow(), port: 0 });
        return { lab: { type: 'http', url: robot.url, results: 'poll', poll_interval_ms: 100, request_timeout_ms: 2000, capacity: 1 }, outbox: robot.outbox, outcomeSeen: acked(robot.outbox), close: () => robot.close() };
      },
    },
    {
      name: 'HTTP signed callbacks',
      async start() {
        const secret = randomUUID();
        process.env.ATHANOR_TEST_QUARANTINE_SECRET = secret;
        const robot = await startHttpRobot({ ...slow(), port: 0, secret });
        return {
          lab: { type: 'http', url: robot.url, results: 'callback', secret_env: 'ATHANOR_TEST_QUARANTINE_SECRET', poll_interval_ms: 100, request_timeout_ms: 2000, capacity: 1 },
          outbox: robot.outbox,
          outcomeSeen: acked(robot.outbox),
          close: () => robot.close(),
        };
      },
    },
    {
      name: 'MQTT',
      mqtt: true,
      async start() {
        const prefix = `athanor-test/${randomUUID()}`;
        const robotId = `lab-sim-q-${randomUUID().slice(0, 8)}`;
        const clientId = `athanor-q-${randomUUID().slice(0, 8)}`;
        const robot = await startMqttRobot({ ...slow(), brokerUrl: BROKER, topicPrefix: prefix, redeliverMs: 300, clientId: robotId });
        await robot.ready;
        return {
          lab: { type: 'mqtt', broker: BROKER, topic_prefix: prefix, client_id: clientId, request_timeout_ms: 2000, capacity: 1 },
          outbox: robot.outbox,
          outcomeSeen: acked(robot.outbox),
          close: async () => {
            await robot.close();
            await forgetMqtt([prefix], [clientId, robotId]);
          },
        };
      },
    },
    {
      name: 'file drop',
      async start() {
        const folder = `lab-q-${randomUUID().slice(0, 8)}`;
        const robot = await startFilesRobot({ ...slow(), folder: join(home, folder), intervalMs: 50 });
        const archive = join(home, folder, 'archive');
        return {
          lab: { type: 'files', folder, batch_window_ms: 50, poll_interval_ms: 50, settle_ms: 100, capacity: 1 },
          outbox: robot.outbox,
          // the file protocol's acknowledgement: archive/<file>.outcome.csv, the newest naming the id
          outcomeSeen: (id) =>
            (existsSync(archive) ? readdirSync(archive).filter((f) => f.endsWith('.outcome.csv')) : [])
              .map((f) => ({ at: statSync(join(archive, f)).mtimeMs, text: readFileSync(join(archive, f), 'utf8') }))
              .sort((x, y) => x.at - y.at)
              .flatMap((f) => f.text.split('\n').filter((line) => line.startsWith(`${id},`)))
              .at(-1)
              ?.split(',')[1],
          close: () => robot.close(),
        };
      },
    },
  ];

  for (const kind of kinds) {
    it(`${kind.name}: an unknown experiment id is quarantined, a conflicting repeat and a refused value too; all listed with an event and acknowledged as such`, async (ctx) => {
      if (kind.mqtt && !mqttUp) ctx.skip();
      const robot = await kind.start();
      const { runner } = await campaign(robot.lab, { experiments: 4, batch: 1 });
      try {
        const stranger = randomUUID();
        // the first result stored: the robot reports on an experiment Athanor never sent, and reports the first again, differently
        await until(async () => expect((await database.db.select().from(resultsTable).where(eq(resultsTable.campaignId, runner.campaignId))).length).toBeGreaterThanOrEqual(1));
        const [first] = await database.db.select().from(resultsTable).where(eq(resultsTable.campaignId, runner.campaignId));
        const other = first!.values.yield === 12.5 ? 13.5 : 12.5;
        // the robot's outbox keys reports by experiment id: its first report must be acknowledged before the second is queued
        await until(() => expect(robot.outbox.get(first!.experimentId)?.acked).toBe(true));
        const route = robot.outbox.get(first!.experimentId)?.callbackUrl; // HTTP callbacks: where the robot posts
        robot.outbox.inject({ experimentId: stranger, status: 'completed', values: { yield: 42 } }, runner.campaignId, route);
        robot.outbox.inject({ experimentId: first!.experimentId, status: 'completed', values: { yield: other } }, runner.campaignId, route);
        const outOfBounds = randomUUID(); // a yield of 140 % in a [0, 100] campaign: refused, and kept
        robot.outbox.inject({ experimentId: outOfBounds, status: 'completed', values: { yield: 140 } }, runner.campaignId, route);
        await until(async () => expect((await listQuarantinedOf(database.db, runner.campaignId)).map((q) => q.experimentId).sort()).toEqual([first!.experimentId, stranger, outOfBounds].sort()), 30_000);
        const listed = await listQuarantinedOf(database.db, runner.campaignId);
        expect(listed.find((q) => q.experimentId === stranger)).toMatchObject({ reason: expect.stringMatching(/no experiment of this campaign has this id/), raw: expect.objectContaining({ values: { yield: 42 } }) });
        expect(listed.find((q) => q.experimentId === first!.experimentId)).toMatchObject({ reason: expect.stringMatching(/conflicting duplicate/), raw: expect.objectContaining({ values: { yield: other } }) });
        expect(listed.find((q) => q.experimentId === outOfBounds)).toMatchObject({ reason: expect.stringMatching(/^refused \(out_of_bounds\): values\.yield: 140 lies outside/), raw: expect.objectContaining({ values: { yield: 140 } }) });
        expect((await eventTypes(runner.campaignId)).filter((t) => t === 'result.quarantined')).toHaveLength(3);
        await until(() => expect([robot.outcomeSeen(stranger), robot.outcomeSeen(first!.experimentId)]).toEqual(['quarantined', 'conflict']), 30_000);
        await until(() => expect(robot.outcomeSeen(outOfBounds) ?? (robot.outbox.acks.get(outOfBounds)?.refused ? 'refused' : undefined)).toBe('refused'), 30_000);
        // the stored result stands, and the campaign finishes its budget
        expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
        const stored = await database.db.select().from(resultsTable).where(eq(resultsTable.experimentId, first!.experimentId));
        expect(stored.map((r) => r.values)).toEqual([first!.values]);
        expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 4, failed: 0 });
      } finally {
        await runner.detach(2000).catch(() => undefined);
        await robot.close();
      }
    });
  }

  it('SiLA 2: an execution naming another experiment is quarantined, one naming a stored experiment with another value is a conflict; both listed with an event', async () => {
    const token = 'quarantine-station-token';
    process.env.ATHANOR_TEST_SILA_Q_TOKEN = token;
    const station = await startSila2Station({ ...robotOptions(3), port: 0, accessToken: token, tickMs: 20 });
    const proxy = new Sila2FaultProxy(station.address);
    await proxy.start();
    // the first result passes; the second is sent as a second report on the first experiment, the third under an unknown id
    const stranger = randomUUID();
    let firstId: string | undefined;
    let other = 12.5;
    let read = 0;
    proxy.rewriteResult = (result) => {
      read++;
      if (read === 1) {
        firstId = result.ExperimentId.value as string;
        other = result.Measurements[0].Value.value === 12.5 ? 13.5 : 12.5;
        return result;
      }
      if (read === 2) return { ...result, ExperimentId: sila.string(firstId!), Measurements: [{ Quantity: sila.string('yield'), Value: sila.real(other) }] };
      if (read === 3) return { ...result, ExperimentId: sila.string(stranger) };
      return result;
    };
    try {
      const { runner } = await campaign({ type: 'sila2', address: proxy.address, access_token_env: 'ATHANOR_TEST_SILA_Q_TOKEN', request_timeout_ms: 3000, lock: true, lock_timeout_s: 60, plaintext: false, capacity: 3 }, { experiments: 3, batch: 3 });
      try {
        await until(async () => expect((await listQuarantinedOf(database.db, runner.campaignId)).map((q) => q.experimentId).sort()).toEqual([firstId, stranger].sort()), 30_000);
        const listed = await listQuarantinedOf(database.db, runner.campaignId);
        expect(listed.find((q) => q.experimentId === firstId)).toMatchObject({ reason: expect.stringMatching(/conflicting duplicate/), raw: expect.objectContaining({ values: { yield: other } }) });
        expect(listed.find((q) => q.experimentId === stranger)?.reason).toMatch(/no experiment of this campaign has this id/);
        expect((await eventTypes(runner.campaignId)).filter((t) => t === 'result.quarantined')).toHaveLength(2);
        const stored = await database.db.select().from(resultsTable).where(eq(resultsTable.campaignId, runner.campaignId));
        expect(stored.map((r) => r.experimentId)).toEqual([firstId]);
      } finally {
        await runner.detach(2000).catch(() => undefined);
      }
    } finally {
      await proxy.close();
      await station.close();
    }
  });
});

describe('an experiment given up on (experiment_timeout_s) is cancelled at the robot', () => {
  // runs of 20 s: still on the deck when the campaign's 1 s timeout gives up on them
  const long = () => ({ oracle, source: 'direct_arylation.csv', capacity: 2, parallel: 2, minLatencyMs: 20_000, latencyMs: 100, seed: 8, log: pino({ level: 'silent' }) });
  const kinds: { name: string; mqtt?: boolean; start(): Promise<{ lab: Record<string, unknown>; robotLab: { acceptedCounts(): Map<string, number>; status(id: string): Promise<string> }; close(): Promise<void> }> }[] = [
    {
      name: 'HTTP',
      async start() {
        const robot = await startHttpRobot({ ...long(), port: 0 });
        return { lab: { type: 'http', url: robot.url, results: 'poll', poll_interval_ms: 100, request_timeout_ms: 2000, capacity: 2 }, robotLab: robot.lab, close: () => robot.close() };
      },
    },
    {
      name: 'MQTT',
      mqtt: true,
      async start() {
        const prefix = `athanor-test/${randomUUID()}`;
        const robotId = `lab-sim-t-${randomUUID().slice(0, 8)}`;
        const clientId = `athanor-t-${randomUUID().slice(0, 8)}`;
        const robot = await startMqttRobot({ ...long(), brokerUrl: BROKER, topicPrefix: prefix, redeliverMs: 300, clientId: robotId });
        await robot.ready;
        return {
          lab: { type: 'mqtt', broker: BROKER, topic_prefix: prefix, client_id: clientId, request_timeout_ms: 2000, capacity: 2 },
          robotLab: robot.lab,
          close: async () => {
            await robot.close();
            await forgetMqtt([prefix], [clientId, robotId]);
          },
        };
      },
    },
    {
      name: 'SiLA 2',
      async start() {
        process.env.ATHANOR_TEST_SILA_T_TOKEN = 'timeout-token';
        const station = await startSila2Station({ ...long(), port: 0, accessToken: 'timeout-token', tickMs: 20 });
        return {
          lab: { type: 'sila2', address: station.address, access_token_env: 'ATHANOR_TEST_SILA_T_TOKEN', request_timeout_ms: 3000, lock: true, lock_timeout_s: 60, plaintext: false, capacity: 2 },
          robotLab: station.lab,
          close: () => station.close(),
        };
      },
    },
  ];
  for (const kind of kinds) {
    it(`${kind.name}: the experiment fails with the timeout as its reason, and the robot is told to cancel it`, async (ctx) => {
      if (kind.mqtt && !mqttUp) ctx.skip();
      const robot = await kind.start();
      const { runner } = await campaign({ ...robot.lab, experiment_timeout_s: 1 }, { experiments: 2, batch: 2 });
      try {
        expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
        const experiments = await listExperiments(database.db, runner.campaignId);
        expect(experiments.map((e) => e.status)).toEqual(['failed', 'failed']);
        expect(experiments.every((e) => /no result within 1 s of dispatch/.test(e.failureReason ?? ''))).toBe(true);
        expect([...robot.robotLab.acceptedCounts().keys()].sort()).toEqual(experiments.map((e) => e.id).sort());
        for (const e of experiments) await until(async () => expect(await robot.robotLab.status(e.id)).toBe('cancelled'));
      } finally {
        await runner.detach(2000).catch(() => undefined);
        await robot.close();
      }
    });
  }
});
