/**
 * Lab faults are not experiment failures, through the real campaign runner, PGlite and the HTTP
 * reference robot behind a fault-injecting proxy on loopback (no mocks): the robot down for a
 * while, busy with Retry-After, one order hung, our credential refused, a lab that stays down.
 * No experiment fails for any of them; the campaign finishes its budget when the robot is back,
 * or pauses with a clear reason when it does not come back (or refuses our credentials).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCampaign, type CampaignRunner } from '../src/agent/index.js';
import { loadCampaignFile, type CampaignSpec } from '../src/campaign/index.js';
import { campaigns, countByStatus, events as eventsTable, getCampaign, openDatabase, type Database } from '../src/db/index.js';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startHttpRobot, type HttpReferenceRobot } from '../src/lab-adapters/reference-robot/http-robot.js';
import { startMqttRobot } from '../src/lab-adapters/reference-robot/mqtt-robot.js';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, tempHome } from './helpers.js';

const { home, cleanup } = tempHome('athanor-lab-faults-');
let database: Database;
let da: CampaignSpec;
let oracle: DatasetOracle;

beforeAll(async () => {
  da = (await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'))).spec;
  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  database = await openDatabase({ home: join(home, 'db') });
});
afterAll(async () => {
  await database?.close();
  cleanup();
});

/** Requests pass to the robot unless a fault is switched on. */
class FaultProxy {
  down = false;
  /** The next `busy` dispatches are answered 429 with this Retry-After. */
  busy = 0;
  retryAfter = '1';
  /** The first dispatch of the batch is held this long before it is passed on (a hung order). */
  hangFirstMs = 0;
  readonly log: { at: number; method: string; path: string; id?: string; answer: string }[] = [];
  private hungOnce = false;
  private server!: Server;
  url = '';

  constructor(private readonly robot: HttpReferenceRobot) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const id = req.method === 'POST' && path === '/experiments' ? (JSON.parse(body) as { experimentId?: string }).experimentId : undefined;
    const note = (answer: string) => this.log.push({ at: Date.now(), method: req.method ?? '', path, ...(id ? { id } : {}), answer });
    if (this.down) {
      note('down');
      req.socket.destroy();
      return;
    }
    if (id && this.busy > 0) {
      this.busy--;
      note('429');
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': this.retryAfter }).end(JSON.stringify({ error: { code: 'busy', message: 'busy' } }));
      return;
    }
    if (id && this.hangFirstMs > 0 && !this.hungOnce) {
      this.hungOnce = true;
      note('hung');
      await new Promise((resolve) => setTimeout(resolve, this.hangFirstMs));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    try {
      const answer = await fetch(`${this.robot.url}${path}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
      const text = await answer.text();
      note(String(answer.status));
      if (!res.destroyed) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    } catch {
      res.destroy();
    }
  }

  close(): Promise<void> {
    (this.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Setup {
  runner: CampaignRunner;
  proxy: FaultProxy;
  robot: HttpReferenceRobot;
  outages: string[];
  close(): Promise<void>;
}

async function setup(options: { experiments: number; batch: number; pauseAfterS: number; robotToken?: string; ourToken?: string; callbacks?: boolean; configure?: (p: FaultProxy) => void }): Promise<Setup> {
  // results by signed callback: the robot posts to the loopback listener the adapter opens (not through the proxy)
  const secret = options.callbacks ? randomUUID() : undefined;
  if (secret) process.env.ATHANOR_TEST_CALLBACK_SECRET = secret;
  const robot = await startHttpRobot({
    oracle,
    source: 'direct_arylation.csv',
    capacity: options.batch,
    parallel: options.batch,
    minLatencyMs: 100,
    latencyMs: 100,
    seed: 5,
    port: 0,
    ...(secret ? { secret } : {}),
    ...(options.robotToken ? { auth: { header: 'Authorization', value: `Bearer ${options.robotToken}` } } : {}),
  });
  const proxy = new FaultProxy(robot);
  options.configure?.(proxy);
  await proxy.start();
  process.env.ATHANOR_TEST_ROBOT_TOKEN = `Bearer ${options.ourToken ?? options.robotToken ?? 'none'}`;
  const spec = {
    ...da,
    budget: { experiments: options.experiments, batch: options.batch },
    lab: {
      type: 'http',
      url: proxy.url,
      ...(secret ? { results: 'callback', secret_env: 'ATHANOR_TEST_CALLBACK_SECRET' } : { results: 'poll' }),
      poll_interval_ms: 100,
      request_timeout_ms: 1500,
      pause_after_unhealthy_s: options.pauseAfterS,
      capacity: options.batch,
      ...(options.robotToken ? { auth: { header: 'Authorization', value_env: 'ATHANOR_TEST_ROBOT_TOKEN' } } : {}),
    },
  } as unknown as CampaignSpec;
  const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
  const outages: string[] = [];
  runner.on('lab-outage', (reason) => outages.push(reason));
  await runner.start();
  return {
    runner,
    proxy,
    robot,
    outages,
    close: async () => {
      await runner.detach(2000).catch(() => undefined);
      await proxy.close();
      await robot.close();
    },
  };
}

const until = (check: () => void | Promise<void>, timeout = 60_000) => vi.waitFor(check, { timeout, interval: 50 });

async function eventTypes(campaignId: string): Promise<{ type: string; payload: any }[]> {
  return database.db.select({ type: eventsTable.type, payload: eventsTable.payload }).from(eventsTable).where(eq(eventsTable.campaignId, campaignId));
}

describe('lab faults over MQTT', () => {
  it('the robot offline while Athanor dispatches: held, not failed; the budget is finished when it comes online', async (ctx) => {
    const broker = process.env.ATHANOR_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
    try {
      await (await mqtt.connectAsync(broker, { connectTimeout: 2000, reconnectPeriod: 0 })).endAsync();
    } catch (error) {
      if (process.env.ATHANOR_REQUIRE_MQTT) throw error;
      ctx.skip();
    }
    const prefix = `athanor-test/${randomUUID()}`;
    const spec = {
      ...da,
      budget: { experiments: 4, batch: 2 },
      lab: { type: 'mqtt', broker, topic_prefix: prefix, client_id: `athanor-faults-${randomUUID().slice(0, 8)}`, request_timeout_ms: 800, pause_after_unhealthy_s: 120, command_expiry_s: 5, capacity: 2 },
    } as unknown as CampaignSpec;
    const { runner } = await openCampaign(database.db, { spec, source: '', home, actor: 'test' });
    const outages: string[] = [];
    runner.on('lab-outage', (reason) => outages.push(reason));
    await runner.start();
    let robot: Awaited<ReturnType<typeof startMqttRobot>> | undefined;
    try {
      // no robot on the broker: commands go unanswered, experiments are held
      await until(async () => expect((await eventTypes(runner.campaignId)).filter((e) => e.type === 'experiment.held').length).toBeGreaterThanOrEqual(2));
      expect((await countByStatus(database.db, runner.campaignId)).failed).toBe(0);
      robot = await startMqttRobot({ oracle, source: 'direct_arylation.csv', capacity: 2, parallel: 2, minLatencyMs: 100, latencyMs: 100, seed: 4, brokerUrl: broker, topicPrefix: prefix, redeliverMs: 300, clientId: `lab-sim-faults-${randomUUID().slice(0, 8)}` });
      await robot.ready;
      expect(await runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, runner.campaignId)).toMatchObject({ completed: 4, failed: 0 });
      // commands sent while it was away had expired by the time it came: each experiment ran once
      expect([...robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1, 1]);
      expect(outages).toEqual([]);
    } finally {
      await runner.detach(2000).catch(() => undefined);
      await robot?.close();
    }
  });
});

describe('lab faults are not experiment failures', () => {
  it('the robot down during dispatch: experiments are held, the lab probed with backoff, and the budget is finished when it returns', async () => {
    const s = await setup({ experiments: 6, batch: 3, pauseAfterS: 60, configure: (p) => (p.down = true) });
    try {
      // down until the campaign has met the outage and probed the lab's health at least twice
      await until(() => expect(s.proxy.log.filter((l) => l.path === '/health').length).toBeGreaterThanOrEqual(2));
      expect(s.proxy.log.filter((l) => l.path === '/experiments').length).toBeGreaterThan(0);
      const counts = await countByStatus(database.db, s.runner.campaignId);
      expect(counts.failed).toBe(0);
      s.proxy.down = false;
      expect(await s.runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      const done = await countByStatus(database.db, s.runner.campaignId);
      expect(done).toMatchObject({ completed: 6, failed: 0 });
      const types = (await eventTypes(s.runner.campaignId)).map((e) => e.type);
      expect(types).toContain('experiment.held');
      expect(types).not.toContain('experiment.failed');
      // every experiment ran once at the robot, however often it was sent
      expect([...s.robot.lab.acceptedCounts().values()]).toEqual(Array(6).fill(1));
      expect(s.outages).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('the same with results by signed callback: held while the robot is down, the budget finished by callbacks when it returns', async () => {
    const s = await setup({ experiments: 3, batch: 3, pauseAfterS: 60, callbacks: true, configure: (p) => (p.down = true) });
    try {
      await until(() => expect(s.proxy.log.filter((l) => l.path === '/health').length).toBeGreaterThanOrEqual(1));
      expect((await countByStatus(database.db, s.runner.campaignId)).failed).toBe(0);
      s.proxy.down = false;
      expect(await s.runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, s.runner.campaignId)).toMatchObject({ completed: 3, failed: 0 });
      expect((await eventTypes(s.runner.campaignId)).map((e) => e.type)).toContain('experiment.held');
      expect([...s.robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1]);
      // stored from the callbacks: no result was acknowledged the polling way, through the proxy
      expect(s.proxy.log.filter((l) => l.method === 'POST' && /^\/results\/.+\/ack$/.test(l.path))).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('busy with Retry-After: the dispatch is sent again no sooner than the robot asked', async () => {
    const s = await setup({ experiments: 1, batch: 1, pauseAfterS: 60, configure: (p) => {
      p.busy = 1;
      p.retryAfter = '2';
    } });
    try {
      expect(await s.runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      const sends = s.proxy.log.filter((l) => l.path === '/experiments');
      expect(sends.map((l) => l.answer)).toEqual(['429', '201']);
      const waited = sends[1]!.at - sends[0]!.at;
      expect(waited).toBeGreaterThanOrEqual(2000); // the old retry came back after 0.2–0.6 s
      expect(s.proxy.log.filter((l) => l.path === '/health')).toEqual([]); // the robot said when: no probing
      expect((await countByStatus(database.db, s.runner.campaignId)).failed).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a hung order does not hold up the rest of the batch', async () => {
    const s = await setup({ experiments: 3, batch: 3, pauseAfterS: 60, configure: (p) => (p.hangFirstMs = 6000) });
    try {
      await until(() => expect(s.proxy.log.filter((l) => l.path === '/experiments' && l.answer === '201').length).toBeGreaterThanOrEqual(2));
      const hung = s.proxy.log.find((l) => l.answer === 'hung')!;
      // the other two were taken while the first still hung (it answers 6 s later)
      expect(s.proxy.log.filter((l) => l.path === '/experiments' && l.answer === '201' && l.id !== hung.id).every((l) => l.at < hung.at + 6000)).toBe(true);
      expect(await s.runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, s.runner.campaignId)).toMatchObject({ completed: 3, failed: 0 });
      expect([...s.robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1]);
    } finally {
      await s.close();
    }
  });

  it('a wrong credential pauses the campaign at once with the reason; nothing failed, no budget spent', async () => {
    const s = await setup({ experiments: 3, batch: 3, pauseAfterS: 60, robotToken: 'right', ourToken: 'wrong' });
    try {
      await until(() => expect(s.outages).toHaveLength(1));
      expect(s.outages[0]).toMatch(/refused our credentials; check lab\.auth/);
      const row = await getCampaign(database.db, s.runner.campaignId);
      expect(row).toMatchObject({ status: 'paused' });
      expect(row?.outcome).toMatch(/credentials/);
      expect(s.runner.state).toBe('paused');
      expect(await countByStatus(database.db, s.runner.campaignId)).toMatchObject({ failed: 0, completed: 0, dispatched: 0, planned: 3 });
      expect(s.robot.lab.acceptedCounts().size).toBe(0);
      const paused = (await eventTypes(s.runner.campaignId)).find((e) => e.type === 'campaign.paused');
      expect(paused?.payload).toMatchObject({ labOutage: true, reason: expect.stringMatching(/credentials/) });
    } finally {
      await s.close();
    }
  });

  it('a lab unhealthy past lab.pause_after_unhealthy_s pauses the campaign with the reason; resuming once it is back finishes the budget', async () => {
    const s = await setup({ experiments: 3, batch: 3, pauseAfterS: 2, configure: (p) => (p.down = true) });
    try {
      await until(() => expect(s.outages).toHaveLength(1));
      expect(s.outages[0]).toMatch(/unhealthy for \d+ s \(limit lab\.pause_after_unhealthy_s = 2 s\)/);
      expect((await database.db.select().from(campaigns).where(eq(campaigns.id, s.runner.campaignId)))[0]).toMatchObject({ status: 'paused' });
      expect((await countByStatus(database.db, s.runner.campaignId)).failed).toBe(0);
      s.proxy.down = false;
      await s.runner.resume('test');
      expect([null, 'budget spent']).toContain((await getCampaign(database.db, s.runner.campaignId))?.outcome ?? null); // the outage reason is gone
      expect(await s.runner.done).toEqual({ status: 'completed', outcome: 'budget spent' });
      expect(await countByStatus(database.db, s.runner.campaignId)).toMatchObject({ completed: 3, failed: 0 });
    } finally {
      await s.close();
    }
  });
});
