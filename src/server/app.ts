/**
 * The HTTP side of `athanor serve`: the JSON API (documented at /api/openapi.json and /api/docs),
 * live events as Server-Sent Events, and the control panel, all from one Hono app. Reading needs
 * any API token; changing anything needs an operator (or, to report results, a lab) token.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Supervisor } from '../agent/index.js';
import type { ServiceConfig } from '../agent/service-config.js';
import { DEFAULT_SESSION_HOURS } from '../auth/index.js';
import type { Database } from '../db/index.js';
import type { ServerEnv } from './env.js';
import { errorHandler } from './errors.js';
import type { HeavyWork } from './heavy-work/index.js';
import { EventFeed } from './event-feed.js';
import { authenticate } from './middleware/authenticate.js';
import { campaignScope } from './middleware/campaign-scope.js';
import { limitBodies } from './middleware/body-limit.js';
import { screeningJobRoutes, SCREENING_UPLOAD_PATH } from './routes/screening-jobs.js';
import type { ScreeningJobs } from './screening-jobs.js';
import { sameOriginForCookies } from './middleware/same-origin.js';
import { securityHeaders } from './middleware/security-headers.js';
import { DEFAULT_MAX_IN_FLIGHT, shedReads } from './middleware/shed-reads.js';
import type { ModelAccess } from './model-access.js';
import { storedModels } from './stored-models.js';
import { ApiBuilder } from './openapi/api-builder.js';
import { errorSchema } from './openapi/schemas.js';
import { assetRoutes } from './panel/assets.js';
import { panelRoutes } from './panel/routes.js';
import { campaignRoutes } from './routes/campaigns.js';
import { eventRoutes } from './routes/events.js';
import { experimentRoutes } from './routes/experiments.js';
import { approvalRoutes } from './routes/approval.js';
import { exportRoutes } from './routes/exports.js';
import { modelRoutes } from './routes/models.js';
import { suggestionRoutes } from './routes/suggestions.js';
import { screeningRoutes } from './routes/screening.js';
import { moleculeRoutes } from './routes/molecules.js';
import { reactionRoutes } from './routes/reactions.js';
import { chainRoutes } from './routes/chains.js';
import { openApiRoutes } from './routes/openapi.js';
import { comparisonRoutes } from './routes/comparison.js';
import { tokenRoutes } from './routes/tokens.js';
import { templateRoutes } from './routes/templates.js';
import { resultRoutes } from './routes/results.js';
import { priorRoutes } from './routes/prior.js';
import { paretoRoutes } from './routes/pareto.js';
import { sessionRoutes } from './routes/session.js';
import { Services } from './services.js';
import { createLabCallbacksApp } from './lab-callbacks.js';
import { metricsRoutes, type MetricsText } from './metrics.js';
import type { RateLimit } from '../util/rate-limit.js';

/** The example campaigns and their datasets ship with the package: the default data folder. */
export const DEFAULT_DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

export interface AppDeps {
  database: Database;
  supervisor: Supervisor;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Where campaigns created over HTTP find their datasets (relative paths resolve here, and may not leave it). */
  dataDir?: string;
  /** Further data folders, lab profiles and secrets from the service's configuration (agent/service-config.ts). */
  config?: ServiceConfig;
  /** The live event feed; created here when not given (give one to close it at shutdown). */
  feed?: EventFeed;
  /** Access to trained models (default: the versions the agent stores in the database). */
  models?: ModelAccess;
  /** Called with unexpected errors (the response then says only "internal error"). */
  logError?: (error: Error, where: string) => void;
  /** The service's Prometheus metrics, served at GET /metrics (src/server/metrics.ts). */
  metrics?: MetricsText;
  /** Quarantine writes allowed per API token (default DEFAULT_QUARANTINE_LIMIT, src/agent/quarantine-limit.ts). */
  quarantineLimit?: RateLimit;
  /** Worker threads for CPU-heavy requests (default: one pool per process, settings from the environment). */
  heavyWork?: HeavyWork;
  /** Libraries uploaded beyond the request limit and screened in the background (none: those routes answer 503). */
  screening?: ScreeningJobs;
  /** How long a panel session lasts, in hours (default 12; `serve` reads ATHANOR_SESSION_HOURS). */
  sessionHours?: number;
  /** Requests in hand beyond which reads are answered 503 (0: never; `serve` reads ATHANOR_MAX_IN_FLIGHT). */
  maxInFlight?: number;
  /** Counts what shedding sees (requests in hand, reads refused): give one to read them (metrics, tests). */
  shedding?: { inFlight: number; refused: number };
}

export function createApp(deps: AppDeps): Hono<ServerEnv> {
  const { database, supervisor, maxBodyBytes = 1_000_000, sessionHours = DEFAULT_SESSION_HOURS } = deps;
  const feed = deps.feed ?? new EventFeed(database.db);
  const services = new Services(database, supervisor, feed, deps.models ?? storedModels(), deps.dataDir ?? DEFAULT_DATA_DIR, deps.config);
  if (deps.heavyWork) services.work = deps.heavyWork;
  if (deps.screening) services.screening = deps.screening;
  services.requestLimitBytes = maxBodyBytes;

  const app = new Hono<ServerEnv>();
  app.onError(errorHandler((error, c) => deps.logError?.(error, `${c.req.method} ${c.req.path}`)));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.use('*', securityHeaders());
  // Before authentication: a refused read costs neither a token check nor a database round trip.
  app.use('*', shedReads<ServerEnv>(deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, deps.shedding));
  app.use('*', authenticate(database.db));
  // Reading an oversized body to answer 413 politely is done for known callers only.
  // A screening job's upload streams to disk under its own, larger bound (routes/screening-jobs.ts).
  app.use('*', limitBodies<ServerEnv>(maxBodyBytes, (c) => c.get('principal') !== undefined, (c) => c.req.method === 'POST' && SCREENING_UPLOAD_PATH.test(c.req.path)));
  app.use('*', sameOriginForCookies({ alwaysFor: (path) => path === '/signin' || path === '/api/session' }));
  // A lab token reaches only the campaigns it is bound to (src/auth/tenancy.ts).
  app.use('*', campaignScope());

  const api = new ApiBuilder(app);
  api.define(
    {
      method: 'get',
      path: '/api/health',
      tag: 'service',
      summary: 'Is the service up, which database, how many campaigns run',
      access: 'public',
      responses: { 200: { description: 'Up', schema: z.object({ ok: z.boolean(), database: z.enum(['pglite', 'postgres']), activeCampaigns: z.int() }) } },
    },
    (c) => c.json({ ok: true, database: database.kind, activeCampaigns: supervisor.active }),
  );
  sessionRoutes(api, services, sessionHours);
  tokenRoutes(api, services);
  campaignRoutes(api, services);
  comparisonRoutes(api, services);
  templateRoutes(api);
  experimentRoutes(api, services);
  approvalRoutes(api, services);
  exportRoutes(api, services);
  resultRoutes(api, services, deps.quarantineLimit ? { quarantineLimit: deps.quarantineLimit } : {});
  priorRoutes(api, services);
  paretoRoutes(api, services);
  modelRoutes(api, services);
  suggestionRoutes(api, services);
  screeningRoutes(api, services);
  screeningJobRoutes(api, services);
  moleculeRoutes(api);
  reactionRoutes(api, services);
  chainRoutes(api, services);
  eventRoutes(api, services);
  openApiRoutes(app, api);

  // Robots' signed result callbacks authenticate by HMAC signature, not by token (see lab-callbacks.ts).
  app.route('/', createLabCallbacksApp());
  api.describe({
    method: 'post',
    path: '/api/labs/:labId/results',
    tag: 'labs',
    summary: 'A robot reports a result, signed with the lab’s shared secret',
    description:
      'Authenticated by signature, not by token: `X-Athanor-Timestamp` and `X-Athanor-Signature: sha256=<hex>`, an HMAC-SHA256 over `<timestamp>.<body>`, ' +
      'within ±5 minutes. Bodies up to 64 KiB. Stored exactly once; results for unknown experiments are quarantined. Protocol: docs/lab-protocols.md.',
    access: 'public',
    params: z.object({ labId: z.string().describe('The lab id configured in the campaign file') }),
    rawBody: { contentTypes: { 'application/json': { description: 'The result payload (docs/lab-protocols.md)' } } },
    responses: {
      200: { description: 'Accepted (also for a repeat)', schema: z.object({ accepted: z.literal(true), experimentId: z.string() }) },
      401: { description: 'Missing, stale or wrong signature', schema: errorSchema },
      404: { description: 'No such lab', schema: errorSchema },
      413: { description: 'Body too large', schema: errorSchema },
      422: { description: 'The payload is invalid', schema: errorSchema },
      503: { description: 'Not recorded now; retry (Retry-After)', schema: errorSchema },
    },
  });

  if (deps.metrics) metricsRoutes(app, api, deps.metrics);

  assetRoutes(app);
  panelRoutes(app, services, sessionHours);
  return app;
}
