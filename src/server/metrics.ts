/**
 * `GET /metrics`: the service's Prometheus metrics in the text exposition format (campaigns by
 * state, experiments in flight, retrain durations, lab errors, event-loop lag …; produced by
 * src/agent/service-metrics.ts). Like every read of the API it needs a token of any role — a
 * viewer token is enough: Prometheus sends it with `authorization: { credentials_file: … }`.
 */
import type { Hono } from 'hono';
import type { ServerEnv } from './env.js';
import { requirePermission } from './middleware/require-permission.js';
import type { ApiBuilder } from './openapi/api-builder.js';
import { errorSchema } from './openapi/schemas.js';

/** What the endpoint serves: the service's metrics, or any prom-client registry. */
export interface MetricsText {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export function metricsRoutes(app: Hono<ServerEnv>, api: ApiBuilder, source: MetricsText): void {
  app.get('/metrics', requirePermission('read'), async (c) => {
    const text = await source.metrics();
    return c.body(text, 200, { 'content-type': source.contentType, 'cache-control': 'no-store' });
  });
  api.describe({
    method: 'get',
    path: '/metrics',
    tag: 'service',
    summary: "This process's Prometheus metrics",
    description: 'Campaigns by machine state, experiments in flight, retrain durations, lab errors, leases, Node’s own; one set per `serve` process. Reference: docs/operations.md.',
    access: 'read',
    responses: {
      200: { description: 'The Prometheus text exposition format', contentType: 'text/plain; version=0.0.4' },
      401: { description: 'No valid token', schema: errorSchema },
    },
  });
}
