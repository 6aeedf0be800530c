/**
 * What one API request costs inside the service, route by route: the real app (createApp) on a
 * real database with a campaign that has results and a model, each route called in turn through
 * app.request (no network), with the database statements each one sends. Complements bench:load
 * (which measures over loopback under a burst) by saying where a request's time goes.
 *
 *   npx tsx bench/request-costs.ts [--rounds 60] [--database-url postgresql://…]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createNewCampaign, Supervisor } from '../src/agent/index.js';
import { issueToken } from '../src/auth/index.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { openDatabase } from '../src/db/index.js';
import { createApp } from '../src/server/app.js';
import { EventFeed } from '../src/server/event-feed.js';
import { machine, quantile, ROOT, writeResults } from './lib.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '60' }, 'database-url': { type: 'string', default: '' } } });
const ROUNDS = Number(args.rounds);
const home = mkdtempSync(join(tmpdir(), 'athanor-costs-'));
const database = await openDatabase({ home, databaseUrl: args['database-url'] ?? '' });

// Every statement the app sends: counted by patching the driver's session (drizzle's one door to the client).
let statements = 0;
const session = (database.db as unknown as { session: { prepareQuery: (...a: unknown[]) => { execute: (...b: unknown[]) => unknown } } }).session;
const prepare = session.prepareQuery.bind(session);
session.prepareQuery = (...a: unknown[]) => {
  const q = prepare(...a);
  const execute = q.execute.bind(q);
  q.execute = (...b: unknown[]) => {
    statements++;
    return execute(...b);
  };
  return q;
};

const { spec, source } = await loadCampaignFile(join(ROOT, 'examples', 'direct-arylation.yaml'));
if (spec.lab.type !== 'simulator') throw new Error('the example no longer runs on the simulator');
const campaign = await createNewCampaign(database.db, { ...spec, name: 'costs', budget: { experiments: 40, batch: 5 }, lab: { ...spec.lab, latency_ms: 0 } }, source, 'bench');
const tokens = {
  operator: (await issueToken(database.db, 'op', 'operator')).token,
  viewer: (await issueToken(database.db, 'vi', 'viewer')).token,
  lab: (await issueToken(database.db, 'lab', 'lab', { campaignIds: [campaign.id] })).token,
};
const supervisor = new Supervisor(database.db, home, { pollIntervalMs: 200 });
await supervisor.start();
const feed = new EventFeed(database.db);
const app = createApp({ database, supervisor, feed, dataDir: join(ROOT, 'examples') });
const id = campaign.id;
const read = async (path: string) => (await app.request(path, { headers: { authorization: `Bearer ${tokens.viewer}` } })).json() as Promise<any>;
for (const deadline = Date.now() + 300_000; ; ) {
  const s = await read(`/api/campaigns/${id}`);
  if (s.status === 'completed' || Date.now() > deadline) break;
  await new Promise((r) => setTimeout(r, 500));
}
await supervisor.shutdown();
const experiments = (await read(`/api/campaigns/${id}/experiments`)).experiments as { seq: number; status: string }[];
const done = experiments.filter((e) => e.status === 'completed');
console.error(`campaign: ${experiments.length} experiments, ${done.length} completed`);

const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
let turn = 0;
const routes: [string, () => [string, RequestInit]][] = [
  ['GET /api/health', () => ['/api/health', {}]],
  ['GET /api/health (with a token)', () => ['/api/health', { headers: bearer(tokens.viewer) }]],
  ['GET /api/campaigns', () => ['/api/campaigns', { headers: bearer(tokens.viewer) }]],
  ['GET /api/campaigns/{id}', () => [`/api/campaigns/${id}`, { headers: bearer(tokens.viewer) }]],
  ['GET /api/campaigns/{id}/experiments', () => [`/api/campaigns/${id}/experiments`, { headers: bearer(tokens.viewer) }]],
  ['GET /api/campaigns/{id}/events', () => [`/api/campaigns/${id}/events`, { headers: bearer(tokens.viewer) }]],
  ['GET /api/campaigns/{id}/models', () => [`/api/campaigns/${id}/models`, { headers: bearer(tokens.viewer) }]],
  [
    'POST /api/campaigns/{id}/results (lab token, a repeat)',
    () => [`/api/campaigns/${id}/results`, { method: 'POST', headers: bearer(tokens.lab, { 'content-type': 'application/json' }), body: JSON.stringify({ results: [{ experiment: done[turn++ % done.length]!.seq, values: { yield: 50 } }] }) }],
  ],
  [
    'POST …/results/{seq}/exclude then DELETE',
    () => {
      const seq = done[Math.floor(turn++ / 2) % done.length]!.seq;
      return turn % 2
        ? [`/api/campaigns/${id}/results/${seq}/exclude`, { method: 'POST', headers: bearer(tokens.operator, { 'content-type': 'application/json' }), body: JSON.stringify({ reason: 'costs' }) }]
        : [`/api/campaigns/${id}/results/${seq}/exclude`, { method: 'DELETE', headers: bearer(tokens.operator) }];
    },
  ],
];

// ATHANOR_COSTS_PROFILE=<file>: a CPU profile of the measured requests alone (open in Chrome's DevTools).
const profiler = process.env.ATHANOR_COSTS_PROFILE ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
const rows: string[] = [];
const figures: { route: string; statuses: number[]; p50_ms: number; p90_ms: number; statements: number }[] = [];
for (const [name, make] of routes) {
  const times: number[] = [];
  let sent = 0;
  const statuses = new Set<number>();
  for (let k = 0; k < ROUNDS + 5; k++) {
    const [path, init] = make();
    const before = statements;
    const t = performance.now();
    const res = await app.request(path, init);
    await res.arrayBuffer();
    if (k >= 5) {
      times.push(performance.now() - t);
      sent += statements - before;
    }
    statuses.add(res.status);
  }
  times.sort((a, b) => a - b);
  figures.push({ route: name, statuses: [...statuses], p50_ms: Number(quantile(times, 0.5).toFixed(2)), p90_ms: Number(quantile(times, 0.9).toFixed(2)), statements: sent / ROUNDS });
  rows.push(`| ${name} | ${[...statuses].join(', ')} | ${quantile(times, 0.5).toFixed(2)} | ${quantile(times, 0.9).toFixed(2)} | ${(sent / ROUNDS).toFixed(1)} |`);
}
if (profiler) writeFileSync(process.env.ATHANOR_COSTS_PROFILE!, JSON.stringify((await profiler.post('Profiler.stop')).profile));

// bench:load's mix (same weights), one request at a time, routes interleaved so that the writes
// (repeated results, exclude and include) change what the reads read, as under load. CPU time is
// the process's (user + system: the service's thread, the database thread, everything), so a busy
// machine slows it down less than it slows wall-clock times.
const MIX: [string, number][] = [
  ['GET /api/health', 15],
  ['GET /api/campaigns', 14],
  ['GET /api/campaigns/{id}', 14],
  ['GET /api/campaigns/{id}/experiments', 14],
  ['GET /api/campaigns/{id}/events', 14],
  ['GET /api/campaigns/{id}/models', 14],
  ['POST /api/campaigns/{id}/results (lab token, a repeat)', 9],
  ['POST …/results/{seq}/exclude then DELETE', 6],
];
const sequence = MIX.flatMap(([name, weight]) => Array.from({ length: weight }, (_, k) => ({ name, order: (k + 0.5) / weight }))).sort((a, b) => a.order - b.order);
const mixRounds = Math.max(1, Math.round(ROUNDS / 6));
const cpuBefore = process.cpuUsage();
const loopBefore = performance.eventLoopUtilization();
const mixStart = performance.now();
let mixed = 0;
for (let round = 0; round < mixRounds; round++) {
  for (const { name } of sequence) {
    const [path, init] = routes.find(([n]) => n === name)![1]();
    await (await app.request(path, init)).arrayBuffer();
    mixed++;
  }
}
const cpu = process.cpuUsage(cpuBefore);
const loop = performance.eventLoopUtilization(loopBefore);
const mix = {
  requests: mixed,
  cpuMsPerRequest: Number(((cpu.user + cpu.system) / 1000 / mixed).toFixed(2)),
  serviceThreadActiveMsPerRequest: Number((loop.active / mixed).toFixed(2)),
  wallMsPerRequest: Number(((performance.now() - mixStart) / mixed).toFixed(2)),
};
console.error(`mix: ${JSON.stringify(mix)}`);
const m = machine();
const markdown = [
  `# What one API request costs inside the service (${database.kind})`,
  '',
  `The app (createApp) on ${database.kind} with a finished campaign of ${experiments.length} experiments (direct arylation on the dataset simulator) and its models; each route called ${ROUNDS} times in turn through app.request (no network, no HTTP parsing), after 5 unmeasured calls. ` +
    `"Statements" counts what the route sends to the database. Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${loadavg()[0]!.toFixed(1)} at the end (other people's benchmarks share the 2 cores, so the times carry their noise; the statement counts do not).`,
  '',
  '| route | status | p50 ms | p90 ms | statements per request |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  `bench:load's mix one request at a time (${mix.requests} requests, routes interleaved): **${mix.cpuMsPerRequest} ms of CPU per request** (the whole process: service and database threads), ` +
    `the service's thread active ${mix.serviceThreadActiveMsPerRequest} ms, wall ${mix.wallMsPerRequest} ms.`,
  '',
  'Reproduce: `npx tsx bench/request-costs.ts [--rounds 60] [--database-url …]` (ATHANOR_COSTS_PROFILE=<file> writes a CPU profile of the measured requests).',
].join('\n');
if (!args['database-url']) writeResults('request-costs', { database: database.kind, rounds: ROUNDS, experiments: experiments.length, machine: m, routes: figures, mix, loadAverageAtEnd: loadavg()[0] }, markdown);
else console.log(markdown);
feed.close();
await database.close();
rmSync(home, { recursive: true, force: true });
process.exit(0);
