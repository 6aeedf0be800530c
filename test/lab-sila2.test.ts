/**
 * The SiLA 2 adapter against the reference reactor station over real gRPC on 127.0.0.1, results
 * stored in real PGlite: the conformance suite's cases (dispatched twice runs once, a result stored
 * once, failure, refusal, robot down, cancel, capacity) plus what SiLA 2 adds: the execution UUID
 * remembered across a restart, the access token and the lock as lab faults, the standard's
 * SiLAService, and TLS.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { retry } from '../src/agent/retry.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { createCampaign, insertPlannedBatch, markDispatching, markFailed, openDatabase, quarantinedResults, results, storeResult, experiments as experimentsTable, type Database } from '../src/db/index.js';
import { LabAuthError, TransientLabError, type ExperimentOrder, type LabResult } from '../src/lab-adapters/contract.js';
import { DatasetOracle } from '../src/lab-adapters/reference-robot/dataset-oracle.js';
import { startSila2Station, type Sila2ReferenceStation, type Sila2StationOptions } from '../src/lab-adapters/reference-robot/sila2-station.js';
import { Sila2Adapter, type Sila2AdapterOptions } from '../src/lab-adapters/sila2/sila2-adapter.js';
import { ERRORS, FEATURES, SERVICES, clientMetadata, fromServiceError, sila } from '../src/lab-adapters/sila2/sila-protocol.js';
import { checkResultValues, type ResultExpectations } from '../src/lab-adapters/result-payload.js';
import type { SearchSpace } from '../src/planner/space.js';
import { readCsv } from '../src/util/csv.js';
import { EXAMPLES, tempHome } from './helpers.js';
import { Sila2FaultProxy } from './sila2-proxy.js';

const CAPACITY = 3;
const TOKEN = 'station-token-1';
const EXPECT: ResultExpectations = { target: 'yield', bounds: [0, 100] };

const { home, cleanup } = tempHome('athanor-lab-sila2-');
let database: Database;
let space: SearchSpace;
let oracle: DatasetOracle;
/** The example's spec, stored with each test campaign (the store checks it is a campaign's). */
let storedSpec: Parameters<typeof createCampaign>[1]['spec'];

beforeAll(async () => {
  const { spec } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  storedSpec = spec as unknown as typeof storedSpec;
  space = await buildSpace(spec);
  const file = join(EXAMPLES, 'data', 'direct_arylation.csv');
  oracle = new DatasetOracle({ rows: (await readCsv(file)).rows, source: file, results: { yield: 'yield' } });
  database = await openDatabase({ home: join(home, 'db-home') });
});

afterAll(async () => {
  await database?.close();
  cleanup();
});

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

interface Campaign {
  id: string;
  orders: ExperimentOrder[];
}

async function campaignWith(n: number): Promise<Campaign> {
  const id = randomUUID();
  await createCampaign(database.db, { id, name: 'sila2', spec: storedSpec, specSource: '', specHash: id, seed: 0, budget: 10, batchSize: n }, [], 'test');
  const rows = await insertPlannedBatch(
    database.db,
    id,
    Array.from({ length: n }, (_, i) => ({
      id: randomUUID(),
      candidateKey: space.keyOf(i * 97),
      parameters: space.valuesOf(i * 97),
      substances: space.substancesOf(i * 97),
      proposal: { strategy: 'test', rank: i + 1, reason: 'sila2' },
    })),
  );
  for (const row of rows) await markDispatching(database.db, row.id);
  return { id, orders: rows.map((r) => ({ id: r.id, campaignId: id, seq: r.seq, candidateKey: r.candidateKey, parameters: r.parameters, substances: r.substances })) };
}

interface Outcome {
  experimentId: string;
  outcome: string;
}

function storingHandler(campaignId: string, outcomes: Outcome[]) {
  return async (result: LabResult): Promise<void> => {
    checkResultValues(result, EXPECT);
    if (result.status === 'failed') {
      await markFailed(database.db, result.experimentId, result.reason, 'lab:test');
      outcomes.push({ experimentId: result.experimentId, outcome: 'failed' });
      return;
    }
    const stored = await storeResult(database.db, { campaignId, experimentId: result.experimentId, values: result.values, raw: result.raw, source: 'lab:test' });
    outcomes.push({ experimentId: result.experimentId, outcome: stored.outcome });
  };
}

const until = (check: () => void | Promise<void>, timeout = 8000) => vi.waitFor(check, { timeout, interval: 20 });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const storedRows = (experimentId: string) => database.db.select().from(results).where(eq(results.experimentId, experimentId));
async function statusOf(experimentId: string) {
  const [row] = await database.db.select().from(experimentsTable).where(eq(experimentsTable.id, experimentId));
  return row?.status;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function station(extra: Partial<Sila2StationOptions> = {}, slow = false): Promise<Sila2ReferenceStation> {
  const s = await startSila2Station({
    oracle,
    source: 'direct_arylation.csv',
    capacity: CAPACITY,
    parallel: slow ? CAPACITY : 2,
    minLatencyMs: slow ? 700 : 150,
    latencyMs: 100,
    seed: 3,
    port: 0,
    accessToken: TOKEN,
    tickMs: 20,
    log: pino({ level: 'silent' }),
    ...extra,
  });
  open.push(s);
  return s;
}

function adapter(campaign: Campaign, address: string, extra: Partial<Sila2AdapterOptions> = {}): Sila2Adapter {
  const a = new Sila2Adapter({ labId: campaign.id, address, capacity: CAPACITY, accessToken: TOKEN, requestTimeoutMs: 3000, resubscribeMs: 100, expectations: EXPECT, log: pino({ level: 'silent' }), ...extra });
  open.push({ close: () => a.stop() });
  return a;
}

async function started(n: number, stationOptions: Partial<Sila2StationOptions> = {}, adapterOptions: Partial<Sila2AdapterOptions> = {}, slow = false) {
  const campaign = await campaignWith(n);
  const robot = await station(stationOptions, slow);
  const lab = adapter(campaign, robot.address, { journalPath: join(home, `journal-${campaign.id}.jsonl`), ...adapterOptions });
  const outcomes: Outcome[] = [];
  await lab.start(storingHandler(campaign.id, outcomes));
  return { campaign, robot, lab, outcomes };
}

describe('lab adapter conformance: SiLA 2 reactor station', () => {
  it('dispatched twice, runs once and is stored once', async () => {
    const { campaign, robot, lab, outcomes } = await started(1, {}, {}, true); // slow: seen in flight
    const order = campaign.orders[0] as ExperimentOrder;
    expect(await lab.dispatch(order)).toEqual({ duplicate: false });
    expect(await lab.dispatch(order)).toEqual({ duplicate: true });
    expect(['queued', 'running']).toContain(await lab.status(order.id));
    await until(() => expect(outcomes).toContainEqual({ experimentId: order.id, outcome: 'stored' }));
    expect(await lab.dispatch(order)).toEqual({ duplicate: true });
    expect(robot.lab.acceptedCounts().get(order.id)).toBe(1);
    const rows = await storedRows(order.id);
    expect(rows).toHaveLength(1);
    // the dataset's yield for this candidate, carried as a SiLA Real, with the execution UUID kept raw
    expect(rows[0]?.values.yield).toBe(robot.lab.resultOf(order.id)?.status === 'completed' ? (robot.lab.resultOf(order.id) as { values: Record<string, number> }).values.yield : NaN);
    expect(rows[0]?.raw).toMatchObject({ experimentId: order.id, executionUUID: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(await statusOf(order.id)).toBe('completed');
    expect(await lab.status(order.id)).toBe('completed');
    expect(await lab.status(randomUUID())).toBe('unknown');
    expect((await lab.health()).ok).toBe(true);
  });

  it("the station's own failure (DefinedExecutionError ExperimentFailed) fails the experiment with its reason", async () => {
    const { campaign, lab, outcomes } = await started(1, { failureRate: 1 });
    const order = campaign.orders[0] as ExperimentOrder;
    await lab.dispatch(order);
    await until(() => expect(outcomes).toEqual([{ experimentId: order.id, outcome: 'failed' }]));
    const [row] = await database.db.select().from(experimentsTable).where(eq(experimentsTable.id, order.id));
    expect(row?.failureReason).toBe('simulated failure (failure_rate)');
    expect(await lab.status(order.id)).toBe('failed');
  });

  it('a result outside the bounds is refused with a logged reason, stored nowhere and not read again', async () => {
    const { log, lines } = capturingLogger();
    const { campaign, lab, outcomes } = await started(1, {}, { expectations: { target: 'yield', bounds: [0, 0.001] }, log });
    const order = campaign.orders[0] as ExperimentOrder;
    await lab.dispatch(order);
    await until(() => expect(lines.some((l) => /refused/.test(String(l.msg)) && l.code === 'out_of_bounds' && l.experimentId === order.id)).toBe(true));
    await sleep(300);
    expect(outcomes).toEqual([]);
    expect(await storedRows(order.id)).toEqual([]);
    expect(await statusOf(order.id)).toBe('dispatched');
    expect(lines.filter((l) => /refused/.test(String(l.msg)))).toHaveLength(1);
  });

  it('after a restart of Athanor the execution is followed again, not dispatched twice', async () => {
    const campaign = await campaignWith(2);
    const robot = await station({ minLatencyMs: 1500, parallel: CAPACITY }); // still running after the restart
    const journalPath = join(home, `restart-${campaign.id}.jsonl`);
    const [first, second] = campaign.orders as [ExperimentOrder, ExperimentOrder];
    const before = adapter(campaign, robot.address, { journalPath });
    await before.start(async () => {
      throw new Error('this process is about to die');
    });
    expect(await before.dispatch(first)).toEqual({ duplicate: false });
    await before.stop(); // … and the process dies before the result came

    // the same journal: the UUID is known, the execution followed, the result read once
    const outcomes: Outcome[] = [];
    const after = adapter(campaign, robot.address, { journalPath });
    expect(await after.status(first.id)).toMatch(/queued|running/);
    expect(await after.dispatch(first)).toEqual({ duplicate: true });
    await after.start(storingHandler(campaign.id, outcomes));
    await until(() => expect(outcomes).toEqual([{ experimentId: first.id, outcome: 'stored' }]));

    // a process that died between the station's confirmation and its journal: the station is asked
    const forgetful = adapter(campaign, robot.address, { journalPath: join(home, `empty-${campaign.id}.jsonl`) });
    await forgetful.start(storingHandler(campaign.id, outcomes));
    expect(await after.dispatch(second)).toEqual({ duplicate: false });
    expect(await forgetful.dispatch(second)).toEqual({ duplicate: true });
    await until(() => expect(outcomes.filter((o) => o.experimentId === second.id).map((o) => o.outcome)).toContain('stored'));
    expect([...robot.lab.acceptedCounts().values()]).toEqual([1, 1]);
    expect(await storedRows(second.id)).toHaveLength(1);
  });

  it('with the station down, dispatch is retried and then fails clearly as a lab fault', async () => {
    const campaign = await campaignWith(1);
    const lab = adapter(campaign, '127.0.0.1:9', { requestTimeoutMs: 500 });
    await lab.start(async () => {});
    let attempts = 0;
    const attempt = retry(
      () => {
        attempts++;
        return lab.dispatch(campaign.orders[0] as ExperimentOrder);
      },
      { label: 'dispatch', attempts: 3, baseMs: 20, retryOn: (e) => e instanceof TransientLabError },
    );
    await expect(attempt).rejects.toThrow(TransientLabError);
    await expect(attempt).rejects.toThrow(/unreachable/);
    expect(attempts).toBe(3);
    expect((await lab.health()).ok).toBe(false);
  });

  it('cancel: a cancelled experiment reports nothing, and cannot be cancelled twice', async () => {
    const { campaign, lab, outcomes } = await started(2, {}, {}, true); // slow: still running when cancelled
    const [keep, drop] = campaign.orders as [ExperimentOrder, ExperimentOrder];
    await lab.dispatch(keep);
    await lab.dispatch(drop);
    expect(await lab.cancel(drop.id)).toBe(true);
    expect(await lab.status(drop.id)).toBe('cancelled');
    await until(() => expect(outcomes.map((o) => o.experimentId)).toContain(keep.id));
    await sleep(450);
    expect(outcomes.map((o) => o.experimentId)).not.toContain(drop.id);
    expect(await lab.cancel(drop.id)).toBe(false);
    expect(await lab.cancel(keep.id)).toBe(false);
    expect(await lab.cancel(randomUUID())).toBe(false);
  });

  it(`capacity: at most ${CAPACITY} experiments in the station at once (StationFull is a lab fault)`, async () => {
    const { campaign, robot, lab, outcomes } = await started(CAPACITY + 1, {}, {}, true);
    const orders = campaign.orders;
    for (const order of orders.slice(0, CAPACITY)) expect(await lab.dispatch(order)).toEqual({ duplicate: false });
    const extra = orders[CAPACITY] as ExperimentOrder;
    await expect(lab.dispatch(extra)).rejects.toThrow(TransientLabError);
    await expect(lab.dispatch(extra)).rejects.toThrow(/full/);
    expect(robot.lab.acceptedCounts().has(extra.id)).toBe(false);
    await until(() => expect(outcomes.length).toBeGreaterThan(0));
    await until(async () => expect(await lab.dispatch(extra)).toEqual({ duplicate: false }));
    await until(() => expect(outcomes.map((o) => o.experimentId).sort()).toEqual(orders.map((o) => o.id).sort()));
    expect([...robot.lab.acceptedCounts().values()]).toEqual(Array(CAPACITY + 1).fill(1));
  });
});

describe('SiLA 2 specifics', () => {
  it('a station restarted mid-run (its state kept) is followed again: every result arrives once, nothing runs twice', async () => {
    const campaign = await campaignWith(3);
    const stateDir = join(home, `station-state-${campaign.id}`);
    const options = { stateDir, minLatencyMs: 600, latencyMs: 50, parallel: CAPACITY } as const;
    let robot = await station(options);
    const port = Number(robot.address.split(':').pop());
    const outcomes: Outcome[] = [];
    const lab = adapter(campaign, robot.address, { journalPath: join(home, `outage-${campaign.id}.jsonl`) });
    await lab.start(storingHandler(campaign.id, outcomes));
    const [a, b, c] = campaign.orders as [ExperimentOrder, ExperimentOrder, ExperimentOrder];
    await lab.dispatch(a);
    await lab.dispatch(b);
    await robot.close(); // the station goes down with both experiments on its deck
    open.splice(open.indexOf(robot), 1);
    await expect(lab.dispatch(c)).rejects.toThrow(/unreachable/);
    expect((await lab.health()).ok).toBe(false);
    robot = await station({ ...options, port });
    expect(robot.address.endsWith(`:${port}`)).toBe(true);
    await until(async () => expect(await lab.dispatch(c)).toEqual({ duplicate: false }));
    await until(() => expect(outcomes.map((o) => o.experimentId).sort()).toEqual([a.id, b.id, c.id].sort()), 20_000);
    expect(outcomes.every((o) => o.outcome === 'stored')).toBe(true);
    expect([...robot.lab.acceptedCounts().values()]).toEqual([1, 1, 1]);
    await until(async () => expect((await lab.health()).ok).toBe(true));
  });

  it('a wrong or missing access token is a lab fault of its own (LabAuthError): nothing runs, health says why', async () => {
    const campaign = await campaignWith(1);
    const robot = await station();
    const order = campaign.orders[0] as ExperimentOrder;
    const wrong = adapter(campaign, robot.address, { accessToken: 'not-the-token', lock: false });
    await wrong.start(async () => {});
    await expect(wrong.dispatch(order)).rejects.toThrow(LabAuthError);
    await expect(wrong.dispatch(order)).rejects.toThrow(/refused the access token/);
    const health = await wrong.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/access token/);
    const none = adapter(campaign, robot.address, { accessToken: undefined, lock: false });
    await expect(none.dispatch(order)).rejects.toThrow(LabAuthError);
    await expect(none.dispatch(order)).rejects.toThrow(/FrameworkError INVALID_METADATA.*wants an access token/);
    expect(robot.lab.acceptedCounts().size).toBe(0);
  });

  it('locks the station for its session; a lock held by another client is a lab fault until released', async () => {
    const campaign = await campaignWith(2);
    const robot = await station();
    const [a, b] = campaign.orders as [ExperimentOrder, ExperimentOrder];
    const lockClient = new (SERVICES.lockController())(robot.address, grpc.credentials.createInsecure()) as unknown as Record<string, (...args: unknown[]) => void> & grpc.Client;
    open.push({ close: async () => lockClient.close() });
    const call = (method: string, request: object) =>
      new Promise<void>((resolve, reject) => lockClient[method]!(request, clientMetadata({ accessToken: TOKEN }), (error: grpc.ServiceError | null) => (error ? reject(error) : resolve())));

    // someone else holds the station
    await call('LockServer', { LockIdentifier: sila.string('the-other-client'), Timeout: sila.integer(60) });
    const outcomes: Outcome[] = [];
    const lab = adapter(campaign, robot.address);
    await lab.start(storingHandler(campaign.id, outcomes));
    const locked = await lab.dispatch(a).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(TransientLabError);
    expect(locked).not.toBeInstanceOf(LabAuthError); // waiting can mend it: the other client may let go
    expect(String(locked)).toMatch(/locked by another client/);
    expect((await lab.health()).ok).toBe(false);
    expect(robot.lab.acceptedCounts().size).toBe(0);

    // released: the adapter takes the lock (health probes do) and runs; the other client is now kept out
    await call('UnlockServer', { LockIdentifier: sila.string('the-other-client') });
    await until(async () => expect((await lab.health()).ok).toBe(true));
    expect(robot.lockHolder()).toBe(lab.lockIdentifier);
    expect(await lab.dispatch(a)).toEqual({ duplicate: false });
    const other = adapter(await campaignWith(1), robot.address, { lock: false });
    await expect(other.dispatch(b)).rejects.toThrow(/FrameworkError INVALID_METADATA.*locked/);
    await until(() => expect(outcomes).toEqual([{ experimentId: a.id, outcome: 'stored' }]));
    await lab.stop();
    expect(robot.lockHolder()).toBeUndefined(); // released when the session ends
  });

  it("answers the standard's SiLAService: implemented features and their definitions", async () => {
    const robot = await station();
    const client = new (SERVICES.silaService())(robot.address, grpc.credentials.createInsecure()) as unknown as Record<string, (...args: unknown[]) => void> & grpc.Client;
    open.push({ close: async () => client.close() });
    const ask = (method: string, request: object) =>
      new Promise<Record<string, any>>((resolve, reject) => client[method]!(request, (error: grpc.ServiceError | null, response: Record<string, any>) => (error ? reject(error) : resolve(response)))); // eslint-disable-line @typescript-eslint/no-explicit-any
    const features = await ask('Get_ImplementedFeatures', {});
    expect(features.ImplementedFeatures.map((f: { value: string }) => f.value)).toEqual(expect.arrayContaining(Object.values(FEATURES)));
    const definition = await ask('GetFeatureDefinition', { FeatureIdentifier: sila.string(FEATURES.reactionStation) });
    expect(definition.FeatureDefinition.value).toMatch(/<Identifier>RunExperiment<\/Identifier>[\s\S]*<Observable>Yes<\/Observable>/);
    expect((await ask('Get_ServerUUID', {})).ServerUUID.value).toBe(robot.serverUuid);
    const missing = await ask('GetFeatureDefinition', { FeatureIdentifier: sila.string('org.example/none/Nothing/v1') }).catch((e: unknown) => e);
    expect(fromServiceError(missing)).toMatchObject({ kind: 'definedExecution', errorIdentifier: ERRORS.unimplementedFeature });
  });

  it('a plain gRPC client with only the protos runs an experiment as an observable command', async () => {
    const robot = await station({ parallel: 1, minLatencyMs: 800 }); // the second waits long enough to be seen waiting
    const [first, second] = (await campaignWith(2)).orders as [ExperimentOrder, ExperimentOrder];
    type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const client = new (SERVICES.reactionStation())(robot.address, grpc.credentials.createInsecure()) as unknown as Record<string, (...args: unknown[]) => any> & grpc.Client; // eslint-disable-line @typescript-eslint/no-explicit-any
    open.push({ close: async () => client.close() });
    const metadata = () => clientMetadata({ accessToken: TOKEN });
    const run = (order: ExperimentOrder) =>
      new Promise<string>((resolve, reject) =>
        client.RunExperiment!(
          { ExperimentId: sila.string(order.id), CampaignId: sila.string(order.campaignId), Sequence: sila.integer(order.seq), CandidateKey: sila.string(order.candidateKey), Parameters: Object.entries(order.parameters).map(([n, v]) => ({ Name: sila.string(n), Value: sila.string(String(v)), IsNumeric: sila.boolean(typeof v === 'number') })), Substances: Object.entries(order.substances).map(([r, s]) => ({ Role: sila.string(r), Smiles: sila.string(s) })) },
          metadata(),
          (error: grpc.ServiceError | null, confirmation: Raw) => (error ? reject(error) : resolve(confirmation.commandExecutionUUID.value as string)),
        ),
      );
    const collect = (method: string, uuid: string) =>
      new Promise<Raw[]>((resolve, reject) => {
        const messages: Raw[] = [];
        const call = client[method]!({ value: uuid }, metadata()) as grpc.ClientReadableStream<Raw>;
        call.on('data', (m: Raw) => messages.push(m));
        call.on('error', reject);
        call.on('end', () => resolve(messages));
      });
    await run(first); // takes the one place on the deck: the second waits
    const uuid = await run(second);
    expect(await run(second)).toBe(uuid); // the same experiment id: the same execution
    const [infos, phases] = await Promise.all([collect('RunExperiment_Info', uuid), collect('RunExperiment_Intermediate', uuid)]);
    expect(infos.map((i) => i.commandStatus)).toEqual(['waiting', 'running', 'finishedSuccessfully']);
    expect(infos.at(-1)?.progressInfo.value).toBe(1);
    expect(phases.map((p) => p.Phase.value)).toEqual(['queued', 'running', 'finished']);
    const result = await new Promise<Raw>((resolve, reject) => client.RunExperiment_Result!({ value: uuid }, metadata(), (e: grpc.ServiceError | null, r: Raw) => (e ? reject(e) : resolve(r))));
    expect(result.ExperimentId.value).toBe(second.id);
    expect(result.Measurements.map((m: Raw) => m.Quantity.value)).toEqual(['yield']);
    expect(typeof result.Measurements[0].Value.value).toBe('number');
    expect(JSON.parse(result.RawData.value)).toEqual(expect.any(Object));
    const unknown = await new Promise((resolve) => client.RunExperiment_Result!({ value: randomUUID() }, metadata(), (e: unknown) => resolve(e)));
    expect(fromServiceError(unknown)).toMatchObject({ kind: 'framework', errorType: 'INVALID_COMMAND_EXECUTION_UUID' });
  });

  it('over TLS with a trusted certificate', async () => {
    const dir = join(home, `tls-${randomUUID()}`);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const robot = await station({ tls: { key: readFileSync(join(dir, 'key.pem')), cert } });
    const campaign = await campaignWith(1);
    const outcomes: Outcome[] = [];
    const lab = adapter(campaign, robot.address, { tls: { ca: cert } });
    await lab.start(storingHandler(campaign.id, outcomes));
    await lab.dispatch(campaign.orders[0] as ExperimentOrder);
    await until(() => expect(outcomes.map((o) => o.outcome)).toEqual(['stored']));
    // a client that does not trust the certificate gets nowhere, and plaintext neither
    const untrusting = adapter(await campaignWith(1), robot.address, { tls: true, requestTimeoutMs: 1500 });
    expect((await untrusting.health()).ok).toBe(false);
    const plain = adapter(await campaignWith(1), robot.address, { requestTimeoutMs: 1500 });
    expect((await plain.health()).ok).toBe(false);
  });
});

describe('SiLA 2: reports that are not the experiment\'s own (through a gRPC proxy that rewrites results)', () => {
  // A SiLA 2 client reads the result of each execution it started; a station cannot push a report.
  // What it can do is answer an execution with another experiment's id, or with a second value for
  // an experiment already stored: the counterparts of the push protocols' unknown-id and conflicting reports.
  async function proxied(n: number) {
    const campaign = await campaignWith(n);
    const robot = await station();
    const proxy = new Sila2FaultProxy(robot.address);
    await proxy.start();
    open.push(proxy);
    const lab = adapter(campaign, proxy.address, { journalPath: join(home, `proxied-${campaign.id}.jsonl`) });
    const outcomes: Outcome[] = [];
    await lab.start(storingHandler(campaign.id, outcomes));
    return { campaign, robot, proxy, lab, outcomes };
  }
  const quarantinedFor = (experimentId: string) => database.db.select().from(quarantinedResults).where(eq(quarantinedResults.experimentId, experimentId));

  it('an execution whose result names an experiment this campaign does not have is quarantined with its raw data, not dropped', async () => {
    const { campaign, proxy, lab, outcomes } = await proxied(1);
    const order = campaign.orders[0] as ExperimentOrder;
    const stranger = randomUUID();
    proxy.rewriteResult = (result) => ({ ...result, ExperimentId: sila.string(stranger) });
    await lab.dispatch(order);
    await until(() => expect(outcomes).toEqual([{ experimentId: stranger, outcome: 'quarantined' }]));
    const [kept] = await quarantinedFor(stranger);
    expect(kept?.reason).toMatch(/no experiment of this campaign has this id/);
    expect(kept?.raw).toMatchObject({ experimentId: stranger, executionUUID: expect.stringMatching(/^[0-9a-f-]{36}$/), values: { yield: expect.any(Number) } });
    expect(await storedRows(order.id)).toEqual([]); // nothing was stored under the experiment's own id either
    expect(await statusOf(order.id)).toBe('dispatched');
  });

  it('a second execution reporting a stored experiment with another value is a conflict: quarantined beside the result, which stands', async () => {
    const { campaign, proxy, lab, outcomes } = await proxied(2);
    const [first, second] = campaign.orders as [ExperimentOrder, ExperimentOrder];
    await lab.dispatch(first);
    await until(() => expect(outcomes).toEqual([{ experimentId: first.id, outcome: 'stored' }]));
    const stored = (await storedRows(first.id))[0]?.values;
    const other = stored?.yield === 12.5 ? 13.5 : 12.5;
    proxy.rewriteResult = (result) => ({ ...result, ExperimentId: sila.string(first.id), Measurements: [{ Quantity: sila.string('yield'), Value: sila.real(other) }] });
    await lab.dispatch(second);
    await until(() => expect(outcomes.map((o) => `${o.experimentId === first.id ? 'first' : 'other'}:${o.outcome}`)).toEqual(['first:stored', 'first:conflict']));
    expect((await storedRows(first.id)).map((r) => r.values)).toEqual([stored]);
    const [kept] = await quarantinedFor(first.id);
    expect(kept?.reason).toMatch(/conflicting duplicate/);
    expect(kept?.raw).toMatchObject({ values: { yield: other } });
  });
});
