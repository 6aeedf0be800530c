/**
 * Soak benchmark of the planning service: many concurrent Bayesian campaigns on dataset simulators
 * under one Supervisor (what `athanor serve` runs), for a fixed time, twice — surrogate fits on a
 * worker thread, then on the main thread — reporting memory, event-loop lag (what every request
 * and every result waits for) and throughput (results stored, experiments dispatched, retrains).
 * Each campaign starts mid-course, as in a service that has run for weeks: `--prior-results`
 * measured results already stored and a model version trained on them, so retrains are of a
 * realistic size (warm starts, a full retrain every 10th version) rather than toy fits.
 *
 *   npm run bench:service [-- --campaigns 100 --seconds 120 --prior-results 150 --modes worker,main]
 *
 * The embedded database (PGlite) by default, results in bench/results/service.*; with
 * `--database-url postgresql://…` on PostgreSQL (a throwaway database is created and dropped on
 * that server), results in bench/results/service-postgres.*.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { buildSpace, createNewCampaign, MainThreadTrainer, ServiceMetrics, Supervisor, WorkerTrainingPool, type SurrogateTrainer } from '../src/agent/index.js';
import { countByStatus, experiments as experimentsTable, openDatabase, results as resultsTable, saveModelVersion, type Database, type Db } from '../src/db/index.js';
import { reactionInputOf, schemaFromSpace, type SavedModel } from '../src/models/index.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor } from '../src/util/random.js';
import { datasetCampaign, datasetPath, machine, quantile, throwawayPostgres, writeResults } from './lib.js';

const { values: args } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '120' },
    'latency-ms': { type: 'string', default: '1000' },
    batch: { type: 'string', default: '5' },
    'retrain-every': { type: 'string', default: '5' },
    'prior-results': { type: 'string', default: '150' },
    'retrain-wait': { type: 'string', default: '2' },
    modes: { type: 'string', default: 'worker,main' },
    'database-url': { type: 'string' },
  },
});
const CAMPAIGNS = Number(args.campaigns);
const SECONDS = Number(args.seconds);
const LATENCY_MS = Number(args['latency-ms']);
const BATCH = Number(args.batch);
const RETRAIN_EVERY = Number(args['retrain-every']);
const PRIOR = Number(args['prior-results']);
const RETRAIN_WAIT = Number(args['retrain-wait']);
const MODES = (args.modes ?? 'worker,main').split(',').map((m) => m.trim()) as ('worker' | 'main')[];
const DATABASE_URL = args['database-url'];

interface PhaseResult {
  training: 'worker' | 'main';
  database: 'pglite' | 'postgres';
  campaigns: number;
  seconds: number;
  /** Until every campaign ran (null: not within the window). */
  startupSeconds: number | null;
  campaignsRunningAtEnd: number;
  /** SIGTERM's work: detach every campaign (writes under way finish) and release the leases. */
  shutdownSeconds: number;
  eventLoopLagMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  memoryMiB: { rssStart: number; rssPeak: number; rssEnd: number; heapPeak: number };
  throughput: { resultsPerSecond: number; dispatchesPerSecond: number; retrainsPerMinute: number };
  results: number;
  dispatches: number;
  retrains: { count: number; meanSeconds: number; p90Seconds: number | null; failures: number };
  trainingQueuePeak: number;
  campaignsFinished: number;
  loadAverage: [number, number, number];
}

type BaseSpec = Awaited<ReturnType<typeof datasetCampaign>>;

interface Priors {
  rows: { candidateKey: string; parameters: Record<string, string | number>; substances: Record<string, string>; value: number }[];
  model?: SavedModel;
}

/** The same measured history for every campaign: PRIOR dataset rows, and one model fitted on them. */
async function priorsFor(spec: BaseSpec): Promise<Priors> {
  if (PRIOR <= 0) return { rows: [] };
  const space = await buildSpace(spec);
  const { rows } = await readCsv(datasetPath('direct_arylation.csv').path);
  const rng = rngFor(7, 'soak priors');
  const chosen = new Map<number, number>();
  for (const row of [...rows].sort(() => rng() - 0.5)) {
    const key = space.keyOfRow(row, spec.lab.columns);
    const index = key === null ? undefined : space.indexOfKey(key);
    const value = Number(row.yield);
    if (index !== undefined && Number.isFinite(value) && !chosen.has(index)) chosen.set(index, value);
    if (chosen.size >= PRIOR) break;
  }
  const entries = [...chosen.entries()];
  const schema = schemaFromSpace(space, ['yield']);
  const fitted = await new MainThreadTrainer().fit({
    schema,
    data: { inputs: entries.map(([i]) => reactionInputOf(space, i)), targets: { yield: entries.map(([, v]) => v) } },
    seed: 1,
  });
  return {
    rows: entries.map(([i, value]) => ({ candidateKey: space.keyOf(i), parameters: space.valuesOf(i), substances: space.substancesOf(i), value })),
    model: fitted.saved,
  };
}

/** Stores the history as one finished batch with its results, and the model as version 1. */
async function seedHistory(db: Db, campaignId: string, priors: Priors): Promise<void> {
  if (priors.rows.length === 0) return;
  const now = new Date();
  const rows = priors.rows.map((r, i) => ({
    id: randomUUID(),
    campaignId,
    seq: i + 1,
    batch: 1,
    candidateKey: r.candidateKey,
    parameters: r.parameters,
    substances: r.substances,
    status: 'completed' as const,
    proposal: { strategy: 'history', rank: i + 1, reason: 'measured before the soak' },
    dispatchCount: 1,
    dispatchedAt: now,
    finishedAt: now,
  }));
  await db.insert(experimentsTable).values(rows);
  await db.insert(resultsTable).values(rows.map((r, i) => ({ experimentId: r.id, campaignId, values: { yield: priors.rows[i]?.value ?? 0 }, raw: {}, source: 'history' })));
  if (priors.model) await saveModelVersion(db, campaignId, priors.model);
}

async function counterTotal(metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown>; metricName?: string }[] }> }, filter: (labels: Record<string, unknown>, name?: string) => boolean = () => true): Promise<number> {
  return (await metric.get()).values.filter((v) => filter(v.labels, v.metricName)).reduce((sum, v) => sum + v.value, 0);
}

async function phase(training: 'worker' | 'main'): Promise<PhaseResult> {
  const home = mkdtempSync(join(tmpdir(), 'athanor-soak-'));
  const pgTemp = DATABASE_URL ? await throwawayPostgres(DATABASE_URL, 'athanor_bench') : undefined;
  let database: Database | undefined;
  const trainer: SurrogateTrainer = training === 'worker' ? new WorkerTrainingPool(1) : new MainThreadTrainer();
  try {
    database = await openDatabase(pgTemp ? { databaseUrl: pgTemp.url } : { home });
    const { path } = datasetPath('direct_arylation.csv');
    const base = await datasetCampaign('direct-arylation.yaml', path, 1000, BATCH);
    const ids: string[] = [];
    let priors: Priors | undefined;
    for (let i = 0; i < CAMPAIGNS; i++) {
      const spec = { ...base, name: `soak ${i}`, seed: i + 1, lab: { ...base.lab, latency_ms: LATENCY_MS } };
      const row = await createNewCampaign(database.db, spec, '', 'bench');
      // From the spec as stored: jsonb orders an object's keys its own way, and with them the space's parameters.
      priors ??= await priorsFor(row.spec as unknown as BaseSpec);
      await seedHistory(database.db, row.id, priors);
      ids.push(row.id);
    }
    if (trainer instanceof WorkerTrainingPool) trainer.warm();
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const supervisor = new Supervisor(database.db, home, {
      metrics,
      trainer,
      retraining: { everyResults: RETRAIN_EVERY, fullEvery: 10, waitSeconds: RETRAIN_WAIT },
      pollIntervalMs: 1000,
      leases: { exclusive: database.kind === 'pglite' },
    });
    supervisor.on('start-failed', (campaign, error) => console.error(`[${training}] ${campaign.name} could not start: ${error.message}`));
    // The window opens as the supervisor starts: starting a hundred campaigns is part of the load.
    const windowStart = performance.now();
    let startupSeconds: number | null = null;
    let windowOpen = true;
    const starting = supervisor.start().then(() => {
      if (!windowOpen) return;
      startupSeconds = (performance.now() - windowStart) / 1000;
      console.error(`[${training}] ${supervisor.active} campaigns running after ${startupSeconds.toFixed(1)} s`);
    });

    const lag = monitorEventLoopDelay({ resolution: 10 });
    const rss: number[] = [];
    const heap: number[] = [];
    let queuePeak = 0;
    const sample = () => {
      const m = process.memoryUsage();
      rss.push(m.rss / 2 ** 20);
      heap.push(m.heapUsed / 2 ** 20);
      queuePeak = Math.max(queuePeak, trainer.queued ?? 0);
    };
    sample();
    lag.enable();
    const sampler = setInterval(sample, 1000);
    const progress = setInterval(() => {
      void counterTotal(metrics.labResults, (l) => l.outcome === 'stored').then((n) =>
        console.error(`[${training}] ${((performance.now() - windowStart) / 1000).toFixed(0)} s: ${supervisor.active} campaigns running, ${n} results stored, training queue ${trainer.queued ?? 0}, lag p99 so far ${(lag.percentile(99) / 1e6).toFixed(0)} ms`),
      );
    }, 15_000);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    windowOpen = false;
    clearInterval(sampler);
    clearInterval(progress);
    lag.disable();
    sample();
    const window = (performance.now() - windowStart) / 1000;

    const results = await counterTotal(metrics.labResults, (l) => l.outcome === 'stored');
    const dispatches = await counterTotal(metrics.dispatches);
    const retrainValues = (await metrics.retrainSeconds.get()).values;
    const retrains = await counterTotal(metrics.retrainSeconds, (_, name) => name?.endsWith('_count') ?? false);
    const retrainSum = retrainValues.filter((v) => v.metricName?.endsWith('_sum')).reduce((s, v) => s + v.value, 0);
    // p90 from the histogram's cumulative buckets (upper bound of the bucket holding it)
    const buckets = new Map<number, number>();
    for (const v of retrainValues) {
      if (!v.metricName?.endsWith('_bucket')) continue;
      const bound = (v.labels as Record<string, unknown>).le;
      const le = bound === '+Inf' ? Infinity : Number(bound);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    }
    const total = buckets.get(Infinity) ?? 0;
    const p90 = [...buckets.entries()].sort((a, b) => a[0] - b[0]).find(([, n]) => n >= 0.9 * total)?.[0] ?? null;
    const failures = await counterTotal(metrics.retrainFailures);
    const running = supervisor.active;
    let finished = 0;
    for (const id of ids) {
      const counts = await countByStatus(database.db, id);
      if (counts.completed + counts.failed >= 1000) finished++;
    }
    const stopping = performance.now();
    console.error(`[${training}] window closed; shutting down`);
    await supervisor.shutdown();
    await starting;
    console.error(`[${training}] shut down in ${((performance.now() - stopping) / 1000).toFixed(1)} s`);
    const shutdownSeconds = (performance.now() - stopping) / 1000;
    const ns = (x: number) => Number((x / 1e6).toFixed(1));
    return {
      training,
      database: database.kind,
      campaigns: CAMPAIGNS,
      seconds: Number(window.toFixed(1)),
      startupSeconds: startupSeconds === null ? null : Number((startupSeconds as number).toFixed(1)),
      campaignsRunningAtEnd: running,
      shutdownSeconds: Number(shutdownSeconds.toFixed(1)),
      eventLoopLagMs: { p50: ns(lag.percentile(50)), p90: ns(lag.percentile(90)), p99: ns(lag.percentile(99)), max: ns(lag.max), mean: ns(lag.mean) },
      memoryMiB: {
        rssStart: Math.round(rss[0] ?? 0),
        rssPeak: Math.round(Math.max(...rss)),
        rssEnd: Math.round(rss[rss.length - 1] ?? 0),
        heapPeak: Math.round(Math.max(...heap)),
      },
      throughput: {
        resultsPerSecond: Number((results / window).toFixed(2)),
        dispatchesPerSecond: Number((dispatches / window).toFixed(2)),
        retrainsPerMinute: Number(((retrains / window) * 60).toFixed(1)),
      },
      results,
      dispatches,
      retrains: { count: retrains, meanSeconds: retrains > 0 ? Number((retrainSum / retrains).toFixed(3)) : 0, p90Seconds: Number.isFinite(p90 ?? NaN) ? p90 : null, failures },
      trainingQueuePeak: queuePeak,
      campaignsFinished: finished,
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))) as [number, number, number],
    };
  } finally {
    await trainer.close();
    await database?.close();
    await pgTemp?.drop();
    rmSync(home, { recursive: true, force: true });
  }
}

const phases: PhaseResult[] = [];
for (const mode of MODES) phases.push(await phase(mode));

const settings = { campaigns: CAMPAIGNS, seconds: SECONDS, latencyMs: LATENCY_MS, batch: BATCH, retrainEvery: RETRAIN_EVERY, retrainWaitSeconds: RETRAIN_WAIT, priorResults: PRIOR, database: DATABASE_URL ? 'postgres' : 'pglite' };
const rows = phases.map(
  (p) =>
    `| ${p.training} | ${p.eventLoopLagMs.p50} | ${p.eventLoopLagMs.p99} | ${p.eventLoopLagMs.max} | ${p.memoryMiB.rssStart} → ${p.memoryMiB.rssPeak} (end ${p.memoryMiB.rssEnd}) | ${p.memoryMiB.heapPeak} | ${p.throughput.resultsPerSecond} | ${p.throughput.dispatchesPerSecond} | ${p.retrains.count} (${p.throughput.retrainsPerMinute}/min, mean ${p.retrains.meanSeconds} s) | ${p.trainingQueuePeak} | ${p.startupSeconds ?? `> ${p.seconds} (${p.campaignsRunningAtEnd} running)`} | ${p.shutdownSeconds} |`,
);
const m = machine();
const markdown = [
  `# Service soak: ${CAMPAIGNS} concurrent Bayesian campaigns, ${SECONDS} s per mode`,
  '',
  `Dataset simulators (direct arylation, mean latency ${LATENCY_MS} ms, batch ${BATCH}, capacity = batch); each campaign starts with ${PRIOR} results and a model trained on them; ` +
    `retrain after every ${RETRAIN_EVERY} results (warm start, full every 10th version; planning waits for a fit at most ${RETRAIN_WAIT} s); database ${settings.database}. ` +
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average at the end ${phases.map((p) => p.loadAverage[0]).join(' / ')} (other work shares this machine).`,
  '',
  '| training on | lag p50 ms | lag p99 ms | lag max ms | RSS MiB | heap peak MiB | results/s | dispatches/s | retrains | queue peak | all started after s | shutdown s |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  'Lag: how late the event loop ran a timer (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution) — what a lab callback, a panel request or a lease renewal waits for. ' +
    'The window opens when the supervisor starts, so starting the campaigns is part of the load. ' +
    'Retrain time is as the agent saw it, queueing for the worker included. Reproduce: `npm run bench:service` (options in bench/service.ts).',
].join('\n');
// PostgreSQL results go beside the embedded database's rather than over them.
writeResults(DATABASE_URL ? 'service-postgres' : 'service', { settings, machine: m, phases }, markdown);
process.exit(0);
