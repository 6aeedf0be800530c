/** `athanor serve` (what `npm start` runs): every unfinished campaign, plus the HTTP API and status pages. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createNewCampaign, Supervisor } from '../agent/index.js';
import { loadCampaignFile } from '../campaign/index.js';
import { listCampaigns, openDatabase, resolveHome } from '../db/index.js';
import { createApp } from '../server/app.js';

export interface ServeOptions {
  port?: number;
  host?: string;
  demo?: boolean;
  home?: string;
}

const DEMO_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'direct-arylation.yaml');
/** Mean simulated time per experiment in the demo: slow enough to watch, quick enough to finish in minutes. */
const DEMO_LATENCY_MS = 2500;

export async function serveCommand(options: ServeOptions): Promise<number> {
  // Logs go to stderr as JSON lines; stdout keeps the lines meant for people.
  const log = pino({ name: 'athanor' }, pino.destination(2));
  const home = resolveHome(options.home);
  const host = options.host ?? process.env.ATHANOR_HOST ?? '127.0.0.1';
  const port = options.port ?? Number(process.env.ATHANOR_PORT ?? 7340);
  const database = await openDatabase({ home });
  log.info({ database: database.location, kind: database.kind }, 'database ready');

  const supervisor = new Supervisor(database.db, home);
  supervisor.on('started', (c) => log.info({ campaign: c.id, name: c.name }, 'campaign running'));
  supervisor.on('ended', (c, end) => log.info({ campaign: c.id, ...end }, 'campaign ended'));
  supervisor.on('error', (c, error) => log.error({ campaign: c.id, err: error }, 'campaign could not run'));

  if (options.demo && (await listCampaigns(database.db)).length === 0) {
    const { spec, source } = await loadCampaignFile(DEMO_FILE);
    const demo = await createNewCampaign(
      database.db,
      { ...spec, name: `Demo: ${spec.name}`, lab: { ...spec.lab, latency_ms: DEMO_LATENCY_MS } },
      source,
      'demo',
    );
    log.info({ campaign: demo.id }, 'demo campaign created on the dataset simulator');
  }
  await supervisor.startAll();

  const app = createApp({ database, supervisor });
  const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
    log.info({ url }, 'listening');
    process.stdout.write(
      `\nAthanor is running at ${url}\n` +
        `  watch the campaigns:  open ${url}/  (or: npx athanor status --home ${home})\n` +
        `  API:                  ${url}/api/campaigns\n` +
        '  stop with Ctrl-C: campaigns rest where they are and resume at the next start.\n\n',
    );
  });

  await new Promise<void>((resolveStop) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      server.close();
      void supervisor
        .shutdown()
        .then(() => database.close())
        .finally(resolveStop);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  return 0;
}
