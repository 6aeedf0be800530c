/**
 * GET /metrics: the Prometheus text a running service exposes — a real supervisor with real
 * campaigns (one retraining its model on a worker thread, one whose robot does not answer) in
 * PGlite, behind the real Hono app on a loopback port — and that it needs an API token.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNewCampaign, ServiceMetrics, Supervisor, WorkerTrainingPool } from '../src/agent/index.js';
import { issueToken } from '../src/auth/index.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import { openDatabase, type Database } from '../src/db/index.js';
import { createApp } from '../src/server/app.js';
import { EventFeed } from '../src/server/event-feed.js';
import { EXAMPLES, simulatorLab, tempHome } from './helpers.js';
import { freePort, waitFor } from './service-harness.js';

const { home, cleanup } = tempHome('athanor-metrics-');
let database: Database;
let supervisor: Supervisor;
let pool: WorkerTrainingPool;
let server: ServerType;
let feed: EventFeed;
let url = '';
const tokens = { viewer: '', lab: '' };
const ids = { simulated: '', unreachable: '' };

beforeAll(async () => {
  database = await openDatabase({ home });
  const { spec, source } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  const simulated = { ...spec, budget: { experiments: 9, batch: 3 }, planner: { ...spec.planner, initial_results: 3 }, lab: { ...simulatorLab(spec), latency_ms: 20 } };
  ids.simulated = (await createNewCampaign(database.db, simulated, source, 'test')).id;
  // A robot nobody runs: every call to it fails.
  const port = await freePort();
  const unreachable = { ...simulated, name: 'no robot', lab: { type: 'http' as const, url: `http://127.0.0.1:${port}`, results: 'poll' as const, poll_interval_ms: 100, request_timeout_ms: 300, capacity: 3 } };
  ids.unreachable = (await createNewCampaign(database.db, unreachable as unknown as typeof simulated, source, 'test')).id;
  tokens.viewer = (await issueToken(database.db, 'prometheus', 'viewer')).token;
  tokens.lab = (await issueToken(database.db, 'robot', 'lab')).token;

  const metrics = new ServiceMetrics();
  pool = new WorkerTrainingPool(1);
  supervisor = new Supervisor(database.db, home, { metrics, trainer: pool, leases: { exclusive: true }, pollIntervalMs: 200 });
  feed = new EventFeed(database.db, 100);
  const app = createApp({ database, supervisor, feed, metrics, dataDir: EXAMPLES });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await supervisor.start();
});

afterAll(async () => {
  feed.close();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await supervisor.shutdown();
  await pool.close();
  await database.close();
  cleanup();
});

const scrape = async (token: string | null = tokens.viewer) => fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('needs an API token of any role', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('not-a-token')).status).toBe(401);
    expect((await scrape(tokens.lab)).status).toBe(200);
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('serves campaigns by state, experiments in flight, retrain durations and lab errors of the running service', async () => {
    // While the simulated campaign runs: it is counted by state, and has experiments in the lab.
    const during = await waitFor(
      'a scrape with experiments in flight',
      async () => {
        const text = await (await scrape()).text();
        return (value(text, 'athanor_experiments_in_flight') ?? 0) > 0 ? text : undefined;
      },
      30_000,
      20,
    );
    expect(during).toMatch(/^athanor_campaigns\{state="running\.[a-z]+"\} [12]$/m);
    expect(value(during, 'athanor_campaign_leases')).toBe(2);

    const done = await waitFor(
      'the simulated campaign to finish, a retrain and a lab error',
      async () => {
        const text = await (await scrape()).text();
        const retrains = text.match(/^athanor_retrain_duration_seconds_count\{mode="full",where="worker",trigger="results"\} (\d+)$/m);
        const errors = text.match(/^athanor_lab_errors_total\{operation="[a-z]+",kind="[a-z]+"\} (\d+)$/m);
        // (a report is counted once its result is stored and the runner has told the supervisor)
        const finished = supervisor.runner(ids.simulated) === undefined && value(text, 'athanor_lab_results_total{outcome="stored"}') === 9;
        return finished && Number(retrains?.[1]) >= 1 && Number(errors?.[1]) >= 1 ? text : undefined;
      },
      60_000,
    );
    expect(value(done, 'athanor_dispatches_total')).toBe(9);
    expect(done.split('\n').filter((l) => l.startsWith('athanor_lab_results_total{') && !l.endsWith(' 0')).join('\n')).toBe('athanor_lab_results_total{outcome="stored"} 9');
    expect(done).toMatch(/^nodejs_eventloop_lag_p99_seconds \S+$/m);
    // The finished one gives its lease back (just after its runner leaves the supervisor).
    await waitFor(
      'the finished campaign to give its lease back',
      async () => value(await (await scrape()).text(), 'athanor_campaign_leases') === supervisor.active || undefined,
      30_000,
    );
  });
});

describe('the metrics registry', () => {
  it('reports every lab-result outcome from the start, at 0 until one happens', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const fresh = await metrics.metrics();
    for (const outcome of ['stored', 'duplicate', 'quarantined', 'failed', 'refused', 'error']) expect(fresh).toContain(`athanor_lab_results_total{outcome="${outcome}"} 0`);
    metrics.labResults.inc({ outcome: 'stored' });
    expect(await metrics.metrics()).toContain('athanor_lab_results_total{outcome="stored"} 1');
  });

  it('forgets states no campaign is in any more', async () => {
    const states: Record<string, number> = { 'running.planning': 1 };
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    metrics.observe({ campaignStates: () => new Map(Object.entries(states)), leasesHeld: () => 0, experimentsInFlight: async () => 0, trainingQueue: () => 0 });
    expect(await metrics.metrics()).toContain('athanor_campaigns{state="running.planning"} 1');
    delete states['running.planning'];
    states.paused = 1;
    const text = await metrics.metrics();
    expect(text).not.toContain('state="running.planning"');
    expect(text).toContain('athanor_campaigns{state="paused"} 1');
  });
});
