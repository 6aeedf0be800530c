/** `athanor serve` (what `npm start` runs): every unfinished campaign, plus the HTTP API and the control panel. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createNewCampaign, MainThreadTrainer, ServiceMetrics, Supervisor, WorkerTrainingPool } from '../agent/index.js';
import { ServiceSettingsError, serviceSettingsFromEnv, type ServiceSettings } from '../agent/service-settings.js';
import { loadServiceConfig, ServiceConfigError } from '../agent/service-config.js';
import { issueToken, sessionHoursFromEnv } from '../auth/index.js';
import { loadCampaignFile } from '../campaign/index.js';
import { countLiveApiTokens, listCampaigns, openDatabase, resolveHome, type Db } from '../db/index.js';
import { createApp } from '../server/app.js';
import { EventFeed } from '../server/event-feed.js';
import { UsageError } from './errors.js';

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
  // Logs go to stderr as JSON lines; stdout keeps the lines meant for people.
  const log = pino({ name: 'athanor' }, pino.destination(2));
  const home = resolveHome(options.home);
  const host = options.host ?? process.env.ATHANOR_HOST ?? '127.0.0.1';
  const port = options.port ?? Number(process.env.ATHANOR_PORT ?? 7340);
  const settings = settingsFromEnv();
  const sessionHours = usageErrorOf(sessionHoursFromEnv);
  const config = await loadServiceConfig(home, options.config).catch((error: unknown) => {
    throw error instanceof ServiceConfigError ? new UsageError(error.message) : error;
  });
  const database = await openDatabase({ home });
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
    const { spec, source } = await loadCampaignFile(DEMO_FILE);
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

  const feed = new EventFeed(database.db);
  const app = createApp({
    database,
    supervisor,
    feed,
    metrics,
    sessionHours,
    ...(options.dataDir ? { dataDir: resolve(options.dataDir) } : {}),
    config,
    logError: (err, where) => log.error({ err, where }, 'request failed'),
  });
  const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
    log.info({ url }, 'listening');
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
  });

  await new Promise<void>((resolveStop) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      feed.close();
      server.close();
      // Live event streams never end by themselves: close them so the process can exit.
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      void supervisor
        .shutdown()
        .then(() => trainer.close())
        .then(() => database.close())
        .finally(resolveStop);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  return 0;
}
