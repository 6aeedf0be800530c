/** `athanor serve` (what `npm start` runs): every unfinished campaign, plus the HTTP API and the control panel. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createNewCampaign, MainThreadTrainer, ServiceMetrics, Supervisor, WorkerTrainingPool } from '../agent/index.js';
import { ServiceSettingsError, serviceSettingsFromEnv, type ServiceSettings } from '../agent/service-settings.js';
import { loadServiceConfig, ServiceConfigError } from '../agent/service-config.js';
import { issueToken, sessionHoursFromEnv } from '../auth/index.js';
import { loadCampaignFile } from '../campaign/index.js';
import { countLiveApiTokens, listCampaigns, openDatabase, resolveHome, type Db } from '../db/index.js';
import { createApp } from '../server/app.js';
import { EventFeed } from '../server/event-feed.js';
import { ScreeningJobs, screeningJobSettingsFromEnv } from '../server/screening-jobs.js';
import { maxInFlightFromEnv } from '../server/middleware/shed-reads.js';
import { exitWhenDatabaseLost } from './database-lost.js';
import { UsageError } from './errors.js';
import { serviceLogger } from './service-log.js';
import { localUrl, revokeLocalCliTokens, writeServiceFile } from './service-file.js';

export interface ServeOptions {
  port?: number;
  host?: string;
  demo?: boolean;
  home?: string;
  /** Folder that campaigns created in the panel or over the API read their datasets from. */
  dataDir?: string;
  /** The service configuration file: further data folders, lab profiles, secrets (service-config.ts). */
  config?: string;
}

/** The name of the operator token `serve` creates when the database has none. */
export const FIRST_TOKEN_NAME = 'first-operator';

/**
 * Nobody can sign in to a fresh service without a token, so the first start creates an operator
 * token and prints it once. Later starts find tokens and print nothing secret.
 */
async function firstTokenIfNone(db: Db): Promise<string | undefined> {
  // a killed run's local CLI token is nobody's: it must not pass for a token someone can sign in with
  await revokeLocalCliTokens(db);
  if ((await countLiveApiTokens(db)) > 0) return undefined;
  return (await issueToken(db, FIRST_TOKEN_NAME, 'operator')).token;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

const DEMO_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'direct-arylation.yaml');
/** Mean simulated time per experiment in the demo: slow enough to watch, quick enough to finish in minutes. */
const DEMO_LATENCY_MS = 2500;

/** Leases, polling, training workers, retraining policy: docs/operations.md. */
function settingsFromEnv(): ServiceSettings {
  try {
    return serviceSettingsFromEnv();
  } catch (error) {
    throw error instanceof ServiceSettingsError ? new UsageError(error.message) : error;
  }
}

/** A setting read from the environment that is wrong is the user's to fix: a usage error (exit 2). */
function usageErrorOf<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function serveCommand(options: ServeOptions): Promise<number> {
  // Logs go to stderr (JSON lines, or readable ones on a terminal: service-log.ts); stdout keeps the lines meant for people.
  const log = serviceLogger();
  const home = resolveHome(options.home);
  const host = options.host ?? process.env.ATHANOR_HOST ?? '127.0.0.1';
  const port = options.port ?? Number(process.env.ATHANOR_PORT ?? 7340);
  const settings = settingsFromEnv();
  const sessionHours = usageErrorOf(sessionHoursFromEnv);
  const maxInFlight = usageErrorOf(() => maxInFlightFromEnv());
  const screeningSettings = usageErrorOf(() => screeningJobSettingsFromEnv(join(home, 'uploads')));
  const config = await loadServiceConfig(home, options.config).catch((error: unknown) => {
    throw error instanceof ServiceConfigError ? new UsageError(error.message) : error;
  });
  // The demo's campaign file (RDKit loads to check its SMILES) is read on this thread while the
  // database opens on its own (a fresh PGlite's initdb takes most of a first start): on two cores
  // the two overlap instead of adding up. Only used when the home has no campaign yet.
  const demoFile = options.demo ? loadCampaignFile(DEMO_FILE) : undefined;
  demoFile?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const database = await openDatabase({ home });
  exitWhenDatabaseLost(database, (reason) => log.fatal({ err: reason }, 'the database is gone (its thread ended): exiting for a supervisor to restart the service'));
  log.info({ database: database.location, kind: database.kind }, 'database ready');
  // names only: what a campaign sent over the API may reach (never a secret's value)
  log.info({ config: config.file ?? null, dataFolders: [options.dataDir ? resolve(options.dataDir) : 'examples', ...config.dataFolders], labProfiles: Object.keys(config.profiles), secrets: config.secretNames() }, 'configuration read');

  const metrics = new ServiceMetrics();
  const pool = settings.trainingWorkers > 0 ? new WorkerTrainingPool(settings.trainingWorkers) : undefined;
  pool?.warm(); // loads while the campaigns start
  const trainer = pool ?? new MainThreadTrainer();
  const supervisor = new Supervisor(database.db, home, {
    log: log.child({ component: 'supervisor' }),
    metrics,
    trainer,
    retraining: settings.retraining,
    pollIntervalMs: settings.pollIntervalMs,
    ...(settings.maxCampaigns !== undefined ? { maxCampaigns: settings.maxCampaigns } : {}),
    // The embedded database admits one process (the home lock): every lease in it is stale.
    leases: { ttlMs: settings.leaseTtlMs, exclusive: database.kind === 'pglite' },
    config,
  });
  log.info({ owner: supervisor.owner, leaseTtlMs: settings.leaseTtlMs, trainingWorkers: settings.trainingWorkers }, 'supervisor ready');

  if (options.demo && (await listCampaigns(database.db)).length === 0) {
    const { spec, source } = await (demoFile ?? loadCampaignFile(DEMO_FILE));
    const demo = await createNewCampaign(
      database.db,
      { ...spec, name: `Demo: ${spec.name}`, lab: spec.lab.type === 'simulator' ? { ...spec.lab, latency_ms: DEMO_LATENCY_MS } : spec.lab },
      source,
      'demo',
    );
    log.info({ campaign: demo.id }, 'demo campaign created on the dataset simulator');
  }
  // The campaigns start beside the server: with many of them that takes a while, and the panel,
  // the API and /metrics answer meanwhile.
  void supervisor.start().then(() => log.info({ campaigns: supervisor.active }, 'supervisor running'));
  const firstToken = await firstTokenIfNone(database.db);
  if (firstToken) log.info({ name: FIRST_TOKEN_NAME }, 'created the first operator token');

  // Large libraries screened in the background; jobs a stopped service left are taken up again.
  const screening = new ScreeningJobs(database.db, screeningSettings, log);
  screening.start();
  const feed = new EventFeed(database.db);
  const app = createApp({
    screening,
    database,
    supervisor,
    feed,
    metrics,
    sessionHours,
    maxInFlight,
    ...(options.dataDir ? { dataDir: resolve(options.dataDir) } : {}),
    config,
    logError: (err, where) => log.error({ err, where }, 'request failed'),
  });
  let forgetServiceFile: (() => Promise<void>) | undefined;
  // The banner comes once the home names this service, so a CLI command started on seeing it finds it.
  const listening = async (listeningPort: number) => {
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${listeningPort}`;
    log.info({ url }, 'listening');
    // The embedded database admits this process alone: `athanor status`, `token` and `experiments`
    // on the same home come through the API with the token left in the home (service-file.ts).
    if (database.kind === 'pglite') {
      forgetServiceFile = await writeServiceFile(database.db, home, localUrl(host, listeningPort)).catch((err: unknown) => {
        log.warn({ err }, 'could not leave the service address in the home: CLI commands on it will be refused while the service runs');
        return undefined;
      });
    }
    const signIn = firstToken
      ? `  sign in with this operator token (shown once; only its hash is stored):\n\n      ${firstToken}\n\n` +
        '  more tokens:          npx athanor token create --role viewer|operator|lab\n'
      : `  sign in with a token: npx athanor token create --role operator --home ${home}   (or one you already have)\n`;
    process.stdout.write(
      `\nAthanor is running at ${url}\n` +
        `  watch the campaigns:  open ${url}/  (or: npx athanor status --home ${home})\n` +
        signIn +
        `  API:                  ${url}/api/campaigns  (reference: ${url}/api/docs)\n` +
        (isLoopback(host) ? '' : `  note: listening on ${host}, not only this machine: put it behind TLS (a reverse proxy).\n`) +
        '  stop with Ctrl-C: campaigns rest where they are and resume at the next start.\n\n',
    );
  };
  const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => void listening(info.port));

  await new Promise<void>((resolveStop) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      feed.close();
      server.close();
      // Live event streams never end by themselves: close them so the process can exit.
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      // Each step is bounded, so that one that hangs (a worker thread that does not terminate
      // while it is still loading its WebAssembly: seen twice in CI, the service never exited)
      // is named in the log and the rest, the database above all, still closes.
      const step = async (stage: string, limitSeconds: number, work: () => Promise<unknown>) => {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), limitSeconds * 1000)));
        const finished = work().then(
          () => 'done' as const,
          (err: unknown) => {
            log.warn({ err, stage }, 'shutdown step failed');
            return 'failed' as const;
          },
        );
        const outcome = await Promise.race([finished, limit]);
        clearTimeout(timer);
        if (outcome === 'late') log.warn({ stage, seconds: limitSeconds }, 'shutdown step did not finish in time; going on without it');
      };
      void (async () => {
        await step('detaching the campaigns', 60, () => supervisor.shutdown());
        await step('stopping the training workers', 10, () => trainer.close());
        await step('handing back the screening jobs', 10, () => screening.close());
        if (forgetServiceFile) await step('revoking the local CLI token', 10, forgetServiceFile);
        await step('closing the database', 60, () => database.close());
        log.info('stopped');
      })().finally(resolveStop);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  log.flush?.();
  return 0;
}
