/**
 * npm run bench:lab-faults — a chaos benchmark of the lab integration (issue 19).
 *
 * One campaign per robot protocol (HTTP with polling, HTTP with signed callbacks, MQTT, file drop,
 * SiLA 2), all at once through the product's loop (openCampaign, the campaign runner, the real
 * adapters, PGlite), each against a real reference robot: `athanor lab-sim` in a child process
 * (real sockets, the Mosquitto broker at 127.0.0.1:1883, real folders, gRPC). The robots
 * misbehave by themselves (duplicate and late reports, their own failures), and a chaos loop per
 * campaign injects faults until the campaign ends: the robot process killed (SIGKILL) and started
 * again with its journals, outages (connections cut), busy answers with Retry-After, hung orders,
 * reports for unknown experiment ids, conflicting re-reports of stored results and, on MQTT,
 * unsigned forgeries. The first fault of each campaign is a 20 s outage while it dispatches.
 *
 * At the end it reconciles the robot's own journal with the database:
 *   lost                 results the robot produced that Athanor neither stored nor quarantined,
 *                        plus injected reports that are not in the quarantine listing
 *   duplicated           experiments the robot ran more than once, results stored more than once
 *   failed_by_lab_fault  experiments failed that the robot did not fail itself
 *   mismatched           stored values that differ from the robot's (a forgery believed)
 *   quarantined          quarantine rows (every injected report must be among them)
 * and whether each campaign spent its budget on results only (completed + the robot's failures).
 * Exit code 1 when any of the first four is not 0 or a budget was not finished.
 *
 * Options: --protocols http-poll,http-callback,mqtt,files,sila2 --budget 60 --batch 4
 *          --latency-ms 3000 --min-latency-ms 800 --strategy bayesian|random|diverse --seed 1
 * Needs Mosquitto on ATHANOR_TEST_MQTT_URL (default mqtt://127.0.0.1:1883) for the MQTT campaign;
 * without a broker that campaign is skipped with a message. Reads only examples/.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { eq } from 'drizzle-orm';
import { openCampaign, type CampaignRunner } from '../src/agent/index.js';
import { loadCampaignFile, type CampaignSpec } from '../src/campaign/index.js';
import { experiments as experimentsTable, getCampaign, openDatabase, results as resultsTable, type Database } from '../src/db/index.js';
import { listQuarantined } from '../src/db/repositories/results.js';
import { signedHeaders } from '../src/lab-adapters/http/signature.js';
import { signResultMessage } from '../src/lab-adapters/mqtt/signed-message.js';
import { FaultProxy } from './lab-faults/fault-proxy.js';
import { LabSimProcess } from './lab-faults/lab-sim-process.js';
import { machine, ROOT, writeResults } from './lib.js';

const PROTOCOLS = ['http-poll', 'http-callback', 'mqtt', 'files', 'sila2'] as const;
type Protocol = (typeof PROTOCOLS)[number];

const { values: args } = parseArgs({
  options: {
    protocols: { type: 'string', default: PROTOCOLS.join(',') },
    budget: { type: 'string', default: '60' },
    batch: { type: 'string', default: '4' },
    'latency-ms': { type: 'string', default: '3000' },
    'min-latency-ms': { type: 'string', default: '800' },
    strategy: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'lab-faults' },
  },
});
const protocols = args.protocols.split(',').map((p) => p.trim()) as Protocol[];
for (const p of protocols) if (!PROTOCOLS.includes(p)) throw new Error(`--protocols: unknown protocol ${p} (${PROTOCOLS.join(', ')})`);
const BUDGET = Number(args.budget);
const BATCH = Number(args.batch);
const SEED = Number(args.seed);
const BROKER = process.env.ATHANOR_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const DATASET = join(ROOT, 'examples', 'data', 'direct_arylation.csv');

// Seeded so a run can be repeated (mulberry32; hand-written: four lines, no library needed).
let rngState = SEED * 2654435761;
function random(): number {
  rngState = (rngState + 0x6d2b79f5) | 0;
  let t = Math.imul(rngState ^ (rngState >>> 15), 1 | rngState);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number) => lo + (hi - lo) * random();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Keys as a lab would hold them: the callback/result HMAC key, our token for the robot.
process.env.ATHANOR_BENCH_LAB_SECRET = randomUUID().replace(/-/g, '');
process.env.ATHANOR_BENCH_ROBOT_TOKEN = `Bearer ${randomUUID()}`;
process.env.ATHANOR_BENCH_SILA_TOKEN = randomUUID();
const SECRET = process.env.ATHANOR_BENCH_LAB_SECRET;

interface Injection {
  kind: 'unknown' | 'conflict' | 'forged';
  experimentId: string;
  tag: string;
  at: number;
}

interface Chaos {
  protocol: Protocol;
  runner: CampaignRunner;
  robot: LabSimProcess;
  robotState: string;
  proxy?: FaultProxy;
  faults: Record<string, number>;
  injections: Injection[];
  pauses: string[];
  labFolder?: string;
  topicPrefix?: string;
  startedAt: number;
  endedAt?: number;
  end?: { status: string; outcome?: string | null };
  sentDuringOutage: number;
}

function robotArgs(protocol: Protocol, state: string, extra: string[]): string[] {
  return [
    '--protocol', protocol.startsWith('http') ? 'http' : protocol,
    '--dataset', DATASET,
    '--state', state,
    '--capacity', String(BATCH * 2),
    '--parallel', String(BATCH),
    '--latency-ms', args['latency-ms'],
    '--min-latency-ms', args['min-latency-ms'],
    '--noise-sd', '1',
    '--clip', '0,100',
    '--failure-rate', '0.03',
    '--duplicate-rate', '0.2',
    '--late-rate', '0.1',
    '--late-ms', '3000',
    '--seed', String(SEED + protocols.indexOf(protocol)),
    ...extra,
  ];
}

async function startCampaign(database: Database, home: string, base: CampaignSpec, protocol: Protocol): Promise<Chaos> {
  const work = join(home, protocol);
  mkdirSync(work, { recursive: true });
  const robotState = join(work, 'robot-state');
  let robot: LabSimProcess;
  let proxy: FaultProxy | undefined;
  let lab: Record<string, unknown>;
  let labFolder: string | undefined;
  let topicPrefix: string | undefined;
  const common = { pause_after_unhealthy_s: 180, capacity: BATCH };
  if (protocol === 'http-poll' || protocol === 'http-callback') {
    const port = await freePort();
    robot = new LabSimProcess(robotArgs(protocol, robotState, ['--port', String(port), '--auth-env', 'ATHANOR_BENCH_ROBOT_TOKEN', '--secret-env', 'ATHANOR_BENCH_LAB_SECRET']));
    proxy = new FaultProxy(() => `http://127.0.0.1:${port}`);
    await proxy.start();
    lab = {
      type: 'http',
      url: proxy.url,
      auth: { header: 'Authorization', value_env: 'ATHANOR_BENCH_ROBOT_TOKEN' },
      results: protocol === 'http-poll' ? 'poll' : 'callback',
      poll_interval_ms: 500,
      request_timeout_ms: 4000,
      ...(protocol === 'http-callback' ? { secret_env: 'ATHANOR_BENCH_LAB_SECRET' } : {}),
      ...common,
    };
  } else if (protocol === 'mqtt') {
    topicPrefix = `athanor-bench/${randomUUID().slice(0, 8)}`;
    robot = new LabSimProcess(robotArgs(protocol, robotState, ['--broker', BROKER, '--topic-prefix', topicPrefix, '--secret-env', 'ATHANOR_BENCH_LAB_SECRET']));
    lab = { type: 'mqtt', broker: BROKER, topic_prefix: topicPrefix, request_timeout_ms: 3000, command_expiry_s: 10, secret_env: 'ATHANOR_BENCH_LAB_SECRET', ...common };
  } else if (protocol === 'files') {
    labFolder = join(work, 'lab-folder');
    robot = new LabSimProcess(robotArgs(protocol, robotState, ['--folder', labFolder]));
    lab = { type: 'files', folder: 'lab-folder', poll_interval_ms: 300, settle_ms: 300, batch_window_ms: 300, capacity: BATCH };
  } else {
    const port = await freePort();
    robot = new LabSimProcess(robotArgs(protocol, robotState, ['--port', String(port), '--auth-env', 'ATHANOR_BENCH_SILA_TOKEN']));
    lab = { type: 'sila2', address: `127.0.0.1:${port}`, access_token_env: 'ATHANOR_BENCH_SILA_TOKEN', request_timeout_ms: 4000, lock_timeout_s: 30, ...common };
  }
  await robot.start();
  // the campaign's folder is its work folder: its lab folder must lie inside it
  const { dataFolders: _validatedWith, ...rest } = base as CampaignSpec & { dataFolders?: unknown };
  const spec = {
    ...rest,
    name: `chaos ${protocol}`,
    baseDir: work,
    seed: SEED,
    budget: { experiments: BUDGET, batch: BATCH },
    ...(args.strategy ? { planner: { ...base.planner, strategy: args.strategy } } : {}),
    lab,
  } as unknown as CampaignSpec;
  const { runner } = await openCampaign(database.db, { spec, source: '', home: join(home, 'athanor'), actor: 'bench' }).catch(async (error: unknown) => {
    await robot.stop();
    await proxy?.close();
    throw error;
  });
  const chaos: Chaos = { protocol, runner, robot, robotState, ...(proxy ? { proxy } : {}), ...(labFolder ? { labFolder } : {}), ...(topicPrefix ? { topicPrefix } : {}), faults: {}, injections: [], pauses: [], startedAt: Date.now(), sentDuringOutage: 0 };
  runner.on('lab-outage', (reason: string) => {
    // a pause is the product's answer to a long outage, not a loss; the benchmark reports it and resumes
    chaos.pauses.push(reason);
    void (async () => {
      while (!robot.running) await sleep(500);
      if (proxy) proxy.down = false;
      await runner.resume('bench').catch(() => undefined);
    })();
  });
  await runner.start();
  void runner.done.then((end) => {
    chaos.end = end;
    chaos.endedAt = Date.now();
  });
  return chaos;
}

/* ---------- the faults ---------- */

const count = (c: Chaos, what: string) => (c.faults[what] = (c.faults[what] ?? 0) + 1);
const finished = (c: Chaos) => c.end !== undefined;

async function waitWhileRunning(c: Chaos, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !finished(c)) await sleep(Math.min(250, until - Date.now()));
}

async function outage(c: Chaos, ms: number): Promise<void> {
  count(c, c.proxy ? 'outage (connections cut)' : 'outage (robot killed)');
  if (c.proxy) {
    c.proxy.down = true;
    await waitWhileRunning(c, ms);
    c.proxy.down = false;
  } else {
    await c.robot.kill();
    await waitWhileRunning(c, ms);
    await c.robot.start();
  }
}

async function killRobot(c: Chaos, ms: number): Promise<void> {
  count(c, 'robot killed (SIGKILL) and restarted');
  await c.robot.kill();
  await waitWhileRunning(c, ms);
  await c.robot.start();
}

async function stored(database: Database, campaignId: string): Promise<{ experimentId: string; values: Record<string, number> }[]> {
  return database.db.select({ experimentId: resultsTable.experimentId, values: resultsTable.values }).from(resultsTable).where(eq(resultsTable.campaignId, campaignId));
}

async function inFlight(database: Database, campaignId: string): Promise<string[]> {
  const rows = await database.db.select({ id: experimentsTable.id, status: experimentsTable.status }).from(experimentsTable).where(eq(experimentsTable.campaignId, campaignId));
  return rows.filter((r) => r.status === 'dispatched').map((r) => r.id);
}

/** A report no open experiment matches, or a stored result re-reported with another value. */
async function inject(database: Database, c: Chaos, kind: 'unknown' | 'conflict' | 'forged'): Promise<void> {
  let experimentId: string;
  let value: number;
  if (kind === 'unknown') {
    experimentId = randomUUID();
    value = 50;
  } else if (kind === 'conflict') {
    const taken = new Set(c.injections.filter((i) => i.kind === 'conflict').map((i) => i.experimentId));
    const candidates = (await stored(database, c.runner.campaignId)).filter((r) => !taken.has(r.experimentId));
    if (candidates.length === 0) return;
    const pick = candidates[Math.floor(random() * candidates.length)]!;
    experimentId = pick.experimentId;
    const was = pick.values.yield ?? 0;
    value = was > 50 ? was - 17.5 : was + 17.5;
  } else {
    const running = await inFlight(database, c.runner.campaignId);
    if (running.length === 0) return;
    experimentId = running[Math.floor(random() * running.length)]!;
    value = 77.7; // the forger's value must never become the campaign's
  }
  const tag = `chaos-${kind}-${c.injections.length + 1}`;
  const report = { experimentId, status: 'completed' as const, values: { yield: value }, note: tag };
  const campaignId = c.runner.campaignId;
  if (c.protocol === 'http-poll') {
    c.proxy!.inject(report);
  } else if (c.protocol === 'http-callback') {
    if (!c.proxy!.callbackUrl) return;
    const body = JSON.stringify(report);
    const answer = await fetch(c.proxy!.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, body) }, body }).catch(() => undefined);
    if (!answer || answer.status !== 200) return; // nothing accepted: nothing to expect
  } else if (c.protocol === 'mqtt') {
    const client = await mqtt.connectAsync(BROKER, { clientId: `chaos-${randomUUID().slice(0, 8)}`, reconnectPeriod: 0 });
    const message = kind === 'forged' ? JSON.stringify(report) : signResultMessage(SECRET, report);
    await client.publishAsync(`${c.topicPrefix}/results/${campaignId}`, message, { qos: 1 });
    await client.endAsync();
  } else if (c.protocol === 'files') {
    const inbox = join(c.labFolder!, 'inbox');
    const name = `${tag}.csv`;
    writeFileSync(join(inbox, `.${name}.part`), `experiment_id,status,yield,note\n${experimentId},completed,${value},${tag}\n`);
    renameSync(join(inbox, `.${name}.part`), join(inbox, name));
  } else {
    return; // SiLA 2: results are read per execution the client started; nothing can be pushed
  }
  c.injections.push({ kind, experimentId, tag, at: Date.now() });
  count(c, `injected ${kind === 'unknown' ? 'report for an unknown id' : kind === 'conflict' ? 'conflicting re-report' : 'unsigned forgery'}`);
}

async function chaosLoop(database: Database, c: Chaos): Promise<void> {
  // the robot down for 20 s while the campaign dispatches its first batches
  await waitWhileRunning(c, 4000);
  if (!finished(c)) await outage(c, 20_000);
  const menu: (() => Promise<void>)[] = [() => killRobot(c, between(3000, 15_000)), () => outage(c, between(5000, 20_000))];
  if (c.proxy) {
    menu.push(async () => {
      count(c, 'busy (429 with Retry-After)');
      c.proxy!.retryAfterS = Math.ceil(between(0.01, 3));
      c.proxy!.busy = Math.ceil(between(0.01, 4));
    });
    menu.push(async () => {
      count(c, 'hung order (12 s)');
      c.proxy!.hangNextMs = 12_000;
    });
  }
  if (c.protocol !== 'sila2') {
    menu.push(() => inject(database, c, 'unknown'), () => inject(database, c, 'conflict'), () => inject(database, c, 'conflict'));
    if (c.protocol === 'mqtt') menu.push(() => inject(database, c, 'forged'));
  }
  // each fault waits for a result stored since the one before: on a slow machine a robot that takes
  // minutes to start again would otherwise spend the whole run being killed
  let before = (await stored(database, c.runner.campaignId)).length;
  while (!finished(c)) {
    await waitWhileRunning(c, between(4000, 12_000));
    while (!finished(c) && (await stored(database, c.runner.campaignId)).length <= before) await sleep(500);
    before = (await stored(database, c.runner.campaignId)).length;
    if (finished(c)) break;
    await menu[Math.floor(random() * menu.length)]!();
  }
  if (!c.robot.running) await c.robot.start();
}

/* ---------- the reconciliation ---------- */

interface RobotEntry {
  t: string;
  id: string;
  order?: { campaignId?: string };
  result?: { status: string; values?: Record<string, number>; reason?: string };
}

async function reconcile(database: Database, c: Chaos) {
  const campaignId = c.runner.campaignId;
  const journalPath = join(c.robotState, 'robot-journal.jsonl');
  const journal = existsSync(journalPath)
    ? readFileSync(journalPath, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
        try {
          return [JSON.parse(l) as RobotEntry];
        } catch {
          return []; // a line torn by SIGKILL
        }
      })
    : [];
  const accepted = new Map<string, number>();
  const robotResults = new Map<string, NonNullable<RobotEntry['result']>>();
  for (const e of journal) {
    if (e.t === 'accepted') accepted.set(e.id, (accepted.get(e.id) ?? 0) + 1);
    if (e.t === 'finished' && e.result) robotResults.set(e.id, e.result);
  }
  const experiments = await database.db.select().from(experimentsTable).where(eq(experimentsTable.campaignId, campaignId));
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const resultRows = await database.db.select().from(resultsTable).where(eq(resultsTable.campaignId, campaignId));
  const storedBy = new Map<string, { values: Record<string, number> }[]>();
  for (const r of resultRows) storedBy.set(r.experimentId, [...(storedBy.get(r.experimentId) ?? []), r]);
  const quarantine = await listQuarantined(database.db, campaignId);
  const quarantinedIds = new Set(quarantine.map((q) => q.experimentId));

  const lostResults: string[] = [];
  const mismatched: string[] = [];
  for (const [id, result] of robotResults) {
    const experiment = byId.get(id);
    if (result.status === 'failed') {
      if (experiment?.status !== 'failed' && !quarantinedIds.has(id)) lostResults.push(id);
      continue;
    }
    const rows = storedBy.get(id);
    if (!rows) {
      if (!quarantinedIds.has(id)) lostResults.push(id);
      continue;
    }
    if (Math.abs((rows[0]!.values.yield ?? NaN) - (result.values?.yield ?? NaN)) > 1e-9) mismatched.push(id);
  }
  const injectedLost = c.injections.filter((i) => !quarantine.some((q) => q.experimentId === i.experimentId && JSON.stringify(q.raw ?? '').includes(i.tag)));
  const ranTwice = [...accepted.entries()].filter(([, n]) => n > 1).map(([id]) => id);
  const storedTwice = [...storedBy.entries()].filter(([, rows]) => rows.length > 1).map(([id]) => id);
  const robotFailed = new Set([...robotResults.entries()].filter(([, r]) => r.status === 'failed').map(([id]) => id));
  const failedByLabFault = experiments.filter((e) => e.status === 'failed' && !robotFailed.has(e.id));
  const statusCounts: Record<string, number> = {};
  for (const e of experiments) statusCounts[e.status] = (statusCounts[e.status] ?? 0) + 1;
  const row = await getCampaign(database.db, campaignId);
  const spentOnResults = (statusCounts.completed ?? 0) + (statusCounts.failed ?? 0) - failedByLabFault.length;
  return {
    protocol: c.protocol,
    campaignId,
    status: row?.status,
    outcome: row?.outcome ?? null,
    budget: BUDGET,
    minutes: Number((((c.endedAt ?? Date.now()) - c.startedAt) / 60_000).toFixed(2)),
    experiments: statusCounts,
    budget_finished: row?.status === 'completed' && spentOnResults === BUDGET,
    robot_results: robotResults.size,
    robot_failures: robotFailed.size,
    dispatches: experiments.reduce((n, e) => n + e.dispatchCount, 0),
    robot_starts: c.robot.starts,
    faults: c.faults,
    proxy_answers: c.proxy ? Object.fromEntries(c.proxy.answers) : undefined,
    injected: c.injections.length,
    injected_acks: c.proxy && c.injections.length ? Object.fromEntries([...c.proxy.injectedAcks.entries()].map(([id, o]) => [c.injections.find((i) => i.experimentId === id)?.tag ?? id, o])) : undefined,
    pauses: c.pauses,
    lost: lostResults.length + injectedLost.length,
    lost_detail: { results: lostResults, injected: injectedLost.map((i) => i.tag) },
    duplicated: ranTwice.length + storedTwice.length,
    duplicated_detail: { ran_twice_at_robot: ranTwice, stored_twice: storedTwice },
    failed_by_lab_fault: failedByLabFault.length,
    failed_by_lab_fault_detail: failedByLabFault.map((e) => `#${e.seq}: ${e.failureReason ?? ''}`),
    mismatched: mismatched.length,
    quarantined: quarantine.length,
    quarantine_reasons: Object.fromEntries(
      [...quarantine.reduce((m, q) => m.set(q.reason.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…'), (m.get(q.reason.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…')) ?? 0) + 1), new Map<string, number>())],
    ),
  };
}

/* ---------- the run ---------- */

async function brokerAnswers(): Promise<boolean> {
  try {
    await (await mqtt.connectAsync(BROKER, { connectTimeout: 2000, reconnectPeriod: 0 })).endAsync();
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'athanor-bench-lab-faults-'));
  const loadSamples: number[] = [];
  const sampler = setInterval(() => loadSamples.push(loadavg()[0] ?? 0), 5000);
  const skipped: string[] = [];
  const started = Date.now();
  let database: Database | undefined;
  const chaos: Chaos[] = [];
  try {
    database = await openDatabase({ home: join(home, 'db') });
    const base = (await loadCampaignFile(join(ROOT, 'examples', 'direct-arylation.yaml'))).spec;
    const broker = protocols.includes('mqtt') ? await brokerAnswers() : false;
    if (protocols.includes('mqtt') && !broker) {
      console.error(`note: no MQTT broker answers at ${BROKER}; the MQTT campaign is skipped`);
      skipped.push('mqtt (no broker)');
    }
    // robots start together (each loads RDKit: slow on a busy machine); each campaign's chaos begins as soon as it runs
    const loops: Promise<void>[] = [];
    await Promise.all(
      protocols
        .filter((p) => p !== 'mqtt' || broker)
        .map(async (protocol) => {
          const c = await startCampaign(database!, home, base, protocol);
          chaos.push(c);
          console.error(`started ${protocol} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
          loops.push(chaosLoop(database!, c));
        }),
    );
    const progress = setInterval(() => {
      console.error(`${((Date.now() - started) / 1000).toFixed(0)} s: ${chaos.map((c) => `${c.protocol} ${c.end ? 'done' : c.runner.state} faults ${Object.values(c.faults).reduce((a, b) => a + b, 0)}`).join(' | ')}`);
    }, 30_000);
    await Promise.all(loops);
    await Promise.all(chaos.map((c) => c.runner.done));
    clearInterval(progress);
    // late and duplicate reports still in the air when the budget was spent land (or are quarantined)
    await sleep(8000);
    const campaigns = [];
    for (const c of chaos) campaigns.push(await reconcile(database, c));
    const totals = {
      lost: campaigns.reduce((n, c) => n + c.lost, 0),
      duplicated: campaigns.reduce((n, c) => n + c.duplicated, 0),
      failed_by_lab_fault: campaigns.reduce((n, c) => n + c.failed_by_lab_fault, 0),
      mismatched: campaigns.reduce((n, c) => n + c.mismatched, 0),
      quarantined: campaigns.reduce((n, c) => n + c.quarantined, 0),
      faults: campaigns.reduce((n, c) => n + Object.values(c.faults).reduce((a, b) => a + b, 0), 0),
      budgets_finished: `${campaigns.filter((c) => c.budget_finished).length}/${campaigns.length}`,
    };
    const minutes = (Date.now() - started) / 60_000;
    const load = { min: Math.min(...loadSamples), max: Math.max(...loadSamples), mean: loadSamples.reduce((a, b) => a + b, 0) / Math.max(1, loadSamples.length) };
    const json = {
      benchmark: 'lab-faults',
      date: new Date().toISOString(),
      machine: machine(),
      load_average_1m: load,
      settings: { protocols, budget: BUDGET, batch: BATCH, latency_ms: Number(args['latency-ms']), min_latency_ms: Number(args['min-latency-ms']), strategy: args.strategy ?? base.planner.strategy, seed: SEED, robot: 'athanor lab-sim: --failure-rate 0.03 --duplicate-rate 0.2 --late-rate 0.1 --noise-sd 1' },
      skipped,
      minutes: Number(minutes.toFixed(2)),
      ...totals,
      campaigns,
    };
    const fmt = (n: number) => n.toFixed(1);
    const markdown = [
      `## Lab faults (chaos benchmark), ${json.date.slice(0, 16)} UTC`,
      '',
      `Machine: ${json.machine.cpu}, ${json.machine.cores} cores, ${json.machine.memoryGiB} GiB, ${json.machine.node}; load average (1 min) ${fmt(load.min)}–${fmt(load.max)} (mean ${fmt(load.mean)}) during the run. ${campaigns.length} campaigns at once, ${BUDGET} experiments each in batches of ${BATCH}, ${minutes.toFixed(1)} min wall clock.${skipped.length ? ` Skipped: ${skipped.join(', ')}.` : ''}`,
      '',
      `**Totals: lost ${totals.lost}, duplicated ${totals.duplicated}, failed by a lab fault ${totals.failed_by_lab_fault}, stored values differing from the robot's ${totals.mismatched}; ${totals.faults} faults injected; ${totals.quarantined} reports quarantined; budgets finished ${totals.budgets_finished}.**`,
      '',
      '| protocol | end | min | experiments | robot failures | dispatches | faults injected | injected reports | quarantined | lost | duplicated | failed by lab fault | paused |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...campaigns.map((c) => `| ${c.protocol} | ${c.status}, ${c.outcome ?? ''} | ${c.minutes} | ${Object.entries(c.experiments).map(([k, v]) => `${k} ${v}`).join(', ')} | ${c.robot_failures} | ${c.dispatches} | ${Object.entries(c.faults).map(([k, v]) => `${k} ×${v}`).join('; ')} | ${c.injected} | ${c.quarantined} | ${c.lost} | ${c.duplicated} | ${c.failed_by_lab_fault} | ${c.pauses.length} |`),
    ].join('\n');
    writeResults(args.out, json, markdown);
    const ok = totals.lost === 0 && totals.duplicated === 0 && totals.failed_by_lab_fault === 0 && totals.mismatched === 0 && campaigns.every((c) => c.budget_finished);
    if (!ok) {
      console.error('FAILED: a result was lost or duplicated, an experiment failed by a lab fault, a forgery was believed, or a budget was not finished');
      process.exitCode = 1;
    }
  } finally {
    clearInterval(sampler);
    for (const c of chaos) {
      await c.runner.detach(5000).catch(() => undefined);
      await c.robot.stop().catch(() => undefined);
      await c.proxy?.close();
    }
    await database?.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
process.exit(process.exitCode ?? 0);
