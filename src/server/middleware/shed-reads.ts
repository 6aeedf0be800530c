/**
 * Load shedding: when the service already has many requests in hand, a further read is answered
 * at once with 503 and Retry-After instead of joining a queue it would wait in for seconds (every
 * request shares one event loop and, on the embedded database, one database thread). What is never
 * refused: writes (results from labs and people, operator actions: refusing them would lose or
 * delay work), /api/health and /metrics (a supervisor must see the service is alive, busy or not),
 * and live event streams (they stay open and are not counted).
 */
import type { Env } from 'hono';
import { createMiddleware } from 'hono/factory';

/** Requests in hand beyond which reads are refused, unless ATHANOR_MAX_IN_FLIGHT says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT = 48;
const RETRY_AFTER_SECONDS = 1;

const NEVER_REFUSED = new Set(['/api/health', '/metrics']);
const isStream = (path: string) => path.endsWith('/stream');

/** ATHANOR_MAX_IN_FLIGHT: a whole number ≥ 0 (0: never refuse); throws a message naming it otherwise. */
export function maxInFlightFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ATHANOR_MAX_IN_FLIGHT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_IN_FLIGHT;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`ATHANOR_MAX_IN_FLIGHT must be a whole number ≥ 0 (0: never refuse a read), not "${raw}"`);
  return Number(raw.trim());
}

/** `counters`: requests in hand now (streams excepted) and reads refused so far, for whoever reads them. */
export function shedReads<E extends Env>(maxInFlight: number, counters: { inFlight: number; refused: number } = { inFlight: 0, refused: 0 }) {
  return createMiddleware<E>(async (c, next) => {
    const path = c.req.path;
    if (isStream(path)) return next();
    const read = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (maxInFlight > 0 && read && counters.inFlight >= maxInFlight && !NEVER_REFUSED.has(path)) {
      counters.refused++;
      return c.json(
        { error: { code: 'busy', message: `the service is answering ${counters.inFlight} requests; retry in ${RETRY_AFTER_SECONDS} s` } },
        503,
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    }
    counters.inFlight++;
    try {
      await next();
    } finally {
      counters.inFlight--;
    }
  });
}
