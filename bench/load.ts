/**
 * Load benchmark of the HTTP API: `athanor serve` as a child process with a running campaign, and
 * a bounded burst of mixed requests at a fixed rate over loopback (node's fetch), once on the
 * embedded database (PGlite) and once on PostgreSQL. Reads: health, campaign list, campaign
 * detail, experiments, events, models; writes: results posted with a lab token, operator actions
 * (exclude and include a result, pause and resume). Reports p50/p99 per route, errors, and the
 * slowest /api/health answer (issue 15's targets: p99 < 100 ms for reads at 200 requests/s on
 * 2 cores; no request class pushes /api/health above 200 ms).
 *
 *   npm run bench:load [-- --rate 200 --seconds 30 --database-url postgresql://postgres@127.0.0.1:5432/test]
 *
 * Open loop: request i is sent at start + i/rate whatever earlier requests are doing, so a slow
 * service cannot slow the load down (no coordinated omission); latency counts from the moment a
 * request was due. PostgreSQL is skipped, with a message, when no server answers at the URL
 * (DATABASE_URL, else --database-url, else the local test server). Results in bench/results/load.*.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createNewCampaign } from '../src/agent/index.js';
import { issueToken } from '../src/auth/index.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { openDatabase } from '../src/db/index.js';
import { machine, quantile, ROOT, throwawayPostgres, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    'warmup-seconds': { type: 'string', default: '3' },
    'latency-ms': { type: 'string', default: '2000' },
    'database-url': { type: 'string' },
    databases: { type: 'string', default: 'pglite,postgres' },
    /** An earlier load.json: its one-at-a-time costs are shown beside this run's. */
    before: { type: 'string' },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args['warmup-seconds']);
const LATENCY_MS = Number(args['latency-ms']);
const POSTGRES_URL = process.env.DATABASE_URL || args['database-url'] || 'postgresql://postgres@127.0.0.1:5432/test';
const DATABASES = (args.databases ?? 'pglite,postgres').split(',').map((d) => d.trim()) as ('pglite' | 'postgres')[];
const BEFORE = args.before ? (JSON.parse(readFileSync(args.before, 'utf8')) as { results: DatabaseResult[]; commit?: string }) : undefined;
const READ_TARGET_P99_MS = 100;
const SEQUENTIAL_PER_ROUTE = 20;
const HEALTH_TARGET_MS = 200;

/** The mix, by weight; a route's share of RATE is its weight over the sum. */
const MIX: { route: string; kind: 'read' | 'write'; weight: number }[] = [
  { route: 'GET /api/health', kind: 'read', weight: 15 },
  { route: 'GET /api/campaigns', kind: 'read', weight: 14 },
  { route: 'GET /api/campaigns/{id}', kind: 'read', weight: 14 },
  { route: 'GET /api/campaigns/{id}/experiments', kind: 'read', weight: 14 },
  { route: 'GET /api/campaigns/{id}/events', kind: 'read', weight: 14 },
  { route: 'GET /api/campaigns/{id}/models', kind: 'read', weight: 14 },
  { route: 'POST /api/campaigns/{id}/results (lab token)', kind: 'write', weight: 9 },
  { route: 'operator action', kind: 'write', weight: 6 },
];

interface Sample {
  route: string;
  ms: number;
  status: number | 'error';
}

interface RouteFigures {
  kind: 'read' | 'write';
  /** Median of SEQUENTIAL_PER_ROUTE requests sent one at a time before the burst. */
  unloaded_p50_ms: number;
  count: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  statuses: Record<string, number>;
}

interface DatabaseResult {
  database: 'pglite' | 'postgres';
  rate: number;
  seconds: number;
  requests: number;
  achievedRate: number;
  errors: number;
  routes: Record<string, RouteFigures>;
  readsP99Ms: number;
  healthMaxMs: number;
  /** How late the load generator sent requests (its own event loop): large values would make the figures pessimistic. */
  senderLagMaxMs: number;
  /** 1000 / the mix's weighted one-at-a-time latency: an upper bound for one event loop, loopback included. */
  capacityPerSecond: number;
  loadAverage: { before: number[]; after: number[] };
  /** CPU the service's process used during the burst (all its threads: main, database, training workers), and per request. */
  serviceCpu: { ms: number; coreShare: number; msPerRequest: number } | null;
}

async function postgresOrSkip(url: string): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  try {
    return await throwawayPostgres(url, 'athanor_load');
  } catch (error) {
    console.error(`PostgreSQL skipped: no server answers at ${url} (${(error as Error).message}); set DATABASE_URL or --database-url`);
    return undefined;
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

function listeningUrl(server: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Athanor is running at (http:\/\/\S+)/.exec(output());
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 50);
    server.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`athanor serve exited (${code}) before it listened:\n${output().slice(-3000)}`));
    });
  });
}

async function run(database: 'pglite' | 'postgres'): Promise<DatabaseResult | undefined> {
  const home = mkdtempSync(join(tmpdir(), 'athanor-load-'));
  const pgTemp = database === 'postgres' ? await postgresOrSkip(POSTGRES_URL) : undefined;
  if (database === 'postgres' && !pgTemp) return undefined;
  let server: ChildProcess | undefined;
  let out = '';
  const serviceOutput = () => out;
  try {
    // The campaign and the tokens, written before the service starts (the embedded database admits one process).
    const db = await openDatabase(pgTemp ? { databaseUrl: pgTemp.url } : { home, databaseUrl: '' });
    const { spec, source } = await loadCampaignFile(join(ROOT, 'examples', 'direct-arylation.yaml'));
    if (spec.lab.type !== 'simulator') throw new Error('the direct-arylation example no longer runs on the simulator');
    const campaign = await createNewCampaign(
      db.db,
      { ...spec, name: 'load benchmark', budget: { experiments: 1000, batch: 5 }, lab: { ...spec.lab, latency_ms: LATENCY_MS } },
      source,
      'bench',
    );
    const tokens = {
      operator: (await issueToken(db.db, 'bench-operator', 'operator')).token,
      viewer: (await issueToken(db.db, 'bench-viewer', 'viewer')).token,
      lab: (await issueToken(db.db, 'bench-lab', 'lab', { campaignIds: [campaign.id] })).token,
    };
    await db.close();

    // ATHANOR_LOAD_NODE_ARGS: node flags for the service alone (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
    const nodeArgs = (process.env.ATHANOR_LOAD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    server = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'athanor.js'), 'serve', '--port', String(await freePort()), '--home', home], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: pgTemp?.url ?? '' },
    });
    server.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-2_000_000)));
    server.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-2_000_000)));
    const url = await listeningUrl(server, () => out);
    const get = async (path: string, token = tokens.viewer) => {
      const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as any };
    };

    // Wait until the campaign has something to show: results and a first model.
    const deadline = Date.now() + 180_000;
    let experiments: { seq: number; status: string }[] = [];
    for (;;) {
      experiments = (await get(`/api/campaigns/${campaign.id}/experiments`).catch(() => ({ body: { experiments: [] } }))).body.experiments ?? [];
      const models = (await get(`/api/campaigns/${campaign.id}/models`).catch(() => ({ body: { models: [] } }))).body.models ?? [];
      if (experiments.filter((e) => e.status === 'completed').length >= 10 && models.length > 0) break;
      if (Date.now() > deadline) {
        console.error(`[${database}] the campaign has ${experiments.length} experiments and ${models.length} models after 180 s; measuring anyway`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }

    // The requests, in a fixed order drawn from the mix (same for both databases).
    const totalWeight = MIX.reduce((s, m) => s + m.weight, 0);
    const pickRoute = (i: number) => {
      // A deterministic spread: the golden-ratio sequence visits the weights evenly.
      let x = ((i * 0.6180339887498949) % 1) * totalWeight;
      for (const m of MIX) {
        if ((x -= m.weight) < 0) return m;
      }
      return MIX[0]!;
    };
    let known = experiments;
    const refresh = setInterval(() => {
      void get(`/api/campaigns/${campaign.id}/experiments`)
        .then((r) => (known = r.body.experiments ?? known))
        .catch(() => undefined);
    }, 2000);
    let actions = 0;
    let excluded: number | undefined;
    const requestFor = (route: string): { path: string; init: RequestInit } => {
      const id = campaign.id;
      const auth = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
      switch (route) {
        case 'GET /api/health':
          return { path: '/api/health', init: {} };
        case 'GET /api/campaigns':
          return { path: '/api/campaigns', init: { headers: auth(tokens.viewer) } };
        case 'GET /api/campaigns/{id}':
          return { path: `/api/campaigns/${id}`, init: { headers: auth(tokens.viewer) } };
        case 'GET /api/campaigns/{id}/experiments':
          return { path: `/api/campaigns/${id}/experiments`, init: { headers: auth(tokens.viewer) } };
        case 'GET /api/campaigns/{id}/events':
          return { path: `/api/campaigns/${id}/events`, init: { headers: auth(tokens.viewer) } };
        case 'GET /api/campaigns/{id}/models':
          return { path: `/api/campaigns/${id}/models`, init: { headers: auth(tokens.viewer) } };
        case 'POST /api/campaigns/{id}/results (lab token)': {
          // A lab reporting (and re-reporting) recent experiments: stored once, repeats answered as duplicates.
          const recent = known.slice(-20);
          const seq = recent[Math.floor(Math.random() * recent.length)]?.seq ?? 1;
          return {
            path: `/api/campaigns/${id}/results`,
            init: { method: 'POST', headers: auth(tokens.lab, { 'content-type': 'application/json' }), body: JSON.stringify({ results: [{ experiment: seq, values: { yield: Math.round(Math.random() * 1000) / 10 } }] }) },
          };
        }
        default: {
          // Operator actions in turn: exclude a result, include it again, pause, resume.
          const step = actions++ % 4;
          const withResult = known.filter((e) => e.status === 'completed');
          if (step === 0 || (step === 1 && excluded === undefined)) {
            excluded = withResult[Math.floor(Math.random() * withResult.length)]?.seq ?? 1;
            return { path: `/api/campaigns/${id}/results/${excluded}/exclude`, init: { method: 'POST', headers: auth(tokens.operator, { 'content-type': 'application/json' }), body: JSON.stringify({ reason: 'load benchmark' }) } };
          }
          if (step === 1) {
            const ref = excluded;
            excluded = undefined;
            return { path: `/api/campaigns/${id}/results/${ref}/exclude`, init: { method: 'DELETE', headers: auth(tokens.operator) } };
          }
          return { path: `/api/campaigns/${id}/${step === 2 ? 'pause' : 'resume'}`, init: { method: 'POST', headers: auth(tokens.operator) } };
        }
      }
    };

    // One request at a time first: what each route costs with no queue in front of it.
    const unloaded: Record<string, number> = {};
    for (const m of MIX) {
      const times: number[] = [];
      for (let k = 0; k < SEQUENTIAL_PER_ROUTE; k++) {
        const { path, init } = requestFor(m.route);
        const t = performance.now();
        await fetch(url + path, { ...init, signal: AbortSignal.timeout(30_000) }).then((r) => r.arrayBuffer()).catch(() => undefined);
        times.push(performance.now() - t);
      }
      unloaded[m.route] = round(quantile(times.sort((a, b) => a - b), 0.5));
    }

    const samples: Sample[] = [];
    let senderLagMax = 0;
    const before = loadavg().map((l) => Number(l.toFixed(2)));
    const cpuBefore = cpuMsOf(server.pid);
    const total = Math.round(RATE * (WARMUP + SECONDS));
    const warmupCount = Math.round(RATE * WARMUP);
    const start = performance.now();
    const pending: Promise<void>[] = [];
    console.error(`[${database}] ${total} requests at ${RATE}/s (first ${warmupCount} are warm-up) against ${url}`);
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      senderLagMax = i >= warmupCount ? Math.max(senderLagMax, performance.now() - due) : senderLagMax;
      const { route } = pickRoute(i);
      const { path, init } = requestFor(route);
      const counted = i >= warmupCount;
      pending.push(
        fetch(url + path, { ...init, signal: AbortSignal.timeout(30_000) })
          .then(async (res) => {
            await res.arrayBuffer();
            if (counted) samples.push({ route, ms: performance.now() - due, status: res.status });
          })
          .catch(() => {
            if (counted) samples.push({ route, ms: performance.now() - due, status: 'error' });
          }),
      );
    }
    await Promise.all(pending);
    const cpuAfter = cpuMsOf(server.pid);
    const wall = performance.now() - start;
    const elapsed = wall / 1000 - WARMUP;
    clearInterval(refresh);
    const after = loadavg().map((l) => Number(l.toFixed(2)));

    const routes: Record<string, RouteFigures> = {};
    for (const m of MIX) {
      const mine = samples.filter((s) => s.route === m.route);
      const sorted = mine.map((s) => s.ms).sort((a, b) => a - b);
      const statuses: Record<string, number> = {};
      for (const s of mine) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
      routes[m.route] = {
        kind: m.kind,
        unloaded_p50_ms: unloaded[m.route] ?? Number.NaN,
        count: mine.length,
        p50_ms: round(quantile(sorted, 0.5)),
        p99_ms: round(quantile(sorted, 0.99)),
        max_ms: round(sorted[sorted.length - 1] ?? Number.NaN),
        errors: mine.filter((s) => s.status === 'error' || s.status < 200 || s.status >= 300).length,
        statuses,
      };
    }
    const totalW = MIX.reduce((sum, x) => sum + x.weight, 0);
    const meanCostMs = MIX.reduce((sum, x) => sum + (x.weight / totalW) * (unloaded[x.route] ?? 0), 0);
    const reads = samples.filter((s) => MIX.find((m) => m.route === s.route)?.kind === 'read').map((s) => s.ms).sort((a, b) => a - b);
    const result: DatabaseResult = {
      database,
      rate: RATE,
      seconds: SECONDS,
      requests: samples.length,
      achievedRate: round(samples.length / elapsed),
      errors: Object.values(routes).reduce((s, r) => s + r.errors, 0),
      routes,
      readsP99Ms: round(quantile(reads, 0.99)),
      healthMaxMs: routes['GET /api/health']?.max_ms ?? Number.NaN,
      senderLagMaxMs: round(senderLagMax),
      capacityPerSecond: Math.round(1000 / meanCostMs),
      loadAverage: { before, after },
      serviceCpu:
        cpuBefore !== undefined && cpuAfter !== undefined
          ? { ms: Math.round(cpuAfter - cpuBefore), coreShare: round((cpuAfter - cpuBefore) / wall), msPerRequest: round((cpuAfter - cpuBefore) / total) }
          : null,
    };
    console.error(`[${database}] done: reads p99 ${result.readsP99Ms} ms, health max ${result.healthMaxMs} ms, ${result.errors} errors`);
    return result;
  } finally {
    // The service's own log, for reading a stall against what it was doing (ATHANOR_LOAD_LOG=<file prefix>).
    if (process.env.ATHANOR_LOAD_LOG) writeFileSync(`${process.env.ATHANOR_LOAD_LOG}-${database}.log`, serviceOutput());
    if (server && server.exitCode === null && server.signalCode === null) {
      const running = server;
      const gone = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    await pgTemp?.drop();
    rmSync(home, { recursive: true, force: true });
  }
}

const round = (x: number) => Number(x.toFixed(1));

const results: DatabaseResult[] = [];
const skipped: string[] = [];
for (const database of DATABASES) {
  const result = await run(database);
  if (result) results.push(result);
  else skipped.push(database);
}

const m = machine();
const settings = { rate: RATE, seconds: SECONDS, warmupSeconds: WARMUP, simulatorLatencyMs: LATENCY_MS, mix: MIX, targets: { readsP99Ms: READ_TARGET_P99_MS, healthMaxMs: HEALTH_TARGET_MS } };
const beforeOf = (r: DatabaseResult) => BEFORE?.results.find((b) => b.database === r.database);
const table = (r: DatabaseResult) => [
  `### ${r.database === 'pglite' ? 'Embedded database (PGlite)' : 'PostgreSQL'}`,
  '',
  `${r.requests} requests in ${r.seconds} s (${r.achievedRate}/s achieved), ${r.errors} errors; load average ${r.loadAverage.before[0]} before, ${r.loadAverage.after[0]} after (2 cores); the sender was at most ${r.senderLagMaxMs} ms late.` +
    (r.serviceCpu
      ? ` The service's process used ${r.serviceCpu.ms} ms of CPU during the burst, warm-up included (${r.serviceCpu.coreShare} of one core; ${r.serviceCpu.msPerRequest} ms per request sent, its running campaign's work included).`
      : ''),
  '',
  `| route | kind | one at a time: p50 ms |${beforeOf(r) ? ' before: one at a time p50 ms |' : ''} requests | p50 ms | p99 ms | max ms | errors |`,
  `|---|---|---|${beforeOf(r) ? '---|' : ''}---|---|---|---|---|`,
  ...Object.entries(r.routes).map(([route, f]) => `| ${route} | ${f.kind} | ${f.unloaded_p50_ms} |${beforeOf(r) ? ` ${beforeOf(r)!.routes[route]?.unloaded_p50_ms ?? '—'} |` : ''} ${f.count} | ${f.p50_ms} | ${f.p99_ms} | ${f.max_ms} | ${f.errors}${f.errors ? ` (${Object.entries(f.statuses).filter(([s]) => !s.startsWith('2')).map(([s, n]) => `${n}× ${s}`).join(', ')})` : ''} |`),
  '',
  `All reads: p99 **${r.readsP99Ms} ms** (target < ${READ_TARGET_P99_MS} ms: ${r.readsP99Ms < READ_TARGET_P99_MS ? 'met' : '**not met**'}); slowest /api/health **${r.healthMaxMs} ms** (target ≤ ${HEALTH_TARGET_MS} ms: ${r.healthMaxMs <= HEALTH_TARGET_MS ? 'met' : '**not met**'}). ` +
    `The one-at-a-time costs, weighted by the mix, allow about **${r.capacityPerSecond} requests/s** through one event loop (loopback included)` +
    (beforeOf(r) ? `; before: ${beforeOf(r)!.capacityPerSecond}/s, reads p99 ${beforeOf(r)!.readsP99Ms} ms, slowest /api/health ${beforeOf(r)!.healthMaxMs} ms (load average ${beforeOf(r)!.loadAverage.before[0]}).` : '.'),
];
const markdown = [
  `# API load: ${RATE} requests/s of mixed reads and writes for ${SECONDS} s, per database`,
  '',
  `\`athanor serve\` as a child process on loopback with one running campaign (direct arylation on the dataset simulator, mean latency ${LATENCY_MS} ms, batch 5, retraining as configured by default), measured after it has results and a model. ` +
    `First ${SEQUENTIAL_PER_ROUTE} requests per route one at a time (what a request costs with no queue: the "one at a time" column); then the burst. ` +
    `Requests are sent open-loop (each at its due time, whatever earlier ones are doing) with node's fetch over keep-alive connections; latency counts from when a request was due, after ${WARMUP} s of warm-up. ` +
    `Mix by weight: ${MIX.map((x) => `${x.route} ${x.weight}`).join(', ')}. Writes: results posted with a lab token bound to the campaign (recent experiments, so repeats are answered as duplicates), operator actions in turn (exclude a result, include it again, pause, resume). ` +
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; the load generator runs on the same machine. ` +
    `Other people's benchmarks and tests shared the 2 cores while this ran: the load average (1 min) is given before and after each burst, with the CPU the service itself used, so a run on a busy machine can be read for what it is (a load average well above 2 means the service got a fraction of a core).`,
  '',
  ...results.flatMap((r) => [...table(r), '']),
  ...(skipped.length ? [`Skipped: ${skipped.join(', ')} (no server answered at ${POSTGRES_URL.replace(/\/\/[^@]*@/, '//…@')}).`, ''] : []),
  ...(BEFORE ? [`"Before" columns: ${args.before}${BEFORE.commit ? ` (${BEFORE.commit})` : ''}, measured the same way.`, ''] : []),
  'Reproduce: `npm run bench:load` (options in bench/load.ts: --rate, --seconds, --database-url, --databases pglite,postgres, --before <an earlier load.json>).',
].join('\n');
writeResults('load', { settings, machine: m, results, skipped }, markdown);
process.exit(0);
