/**
 * Issue 15, bounded work under load: with many requests in hand, a further read is refused at once
 * (503, Retry-After, the API's error shape) instead of queueing; writes, /api/health, /metrics and
 * live streams are never refused. The real middleware on a Hono app whose handlers wait until the
 * test lets them go, so "in hand" is exact rather than timed.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { maxInFlightFromEnv, shedReads } from '../../src/server/middleware/shed-reads.js';

function appHolding(maxInFlight: number) {
  const counters = { inFlight: 0, refused: 0 };
  const waiting: (() => void)[] = [];
  const held = () => new Promise<void>((release) => waiting.push(release));
  const app = new Hono();
  app.use('*', shedReads(maxInFlight, counters));
  app.get('/api/slow', async (c) => (await held(), c.json({ ok: true })));
  app.post('/api/campaigns/c1/results', async (c) => (await held(), c.json({ stored: true })));
  app.get('/api/health', (c) => c.json({ ok: true }));
  app.get('/metrics', (c) => c.text('up 1'));
  app.get('/api/events/stream', (c) => c.text('event: ready'));
  app.get('/api/campaigns', (c) => c.json({ campaigns: [] }));
  const releaseAll = () => waiting.splice(0).forEach((release) => release());
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((r) => setImmediate(r));
  };
  return { app, counters, waiting, releaseAll, until };
}

describe('shedding reads when the service has too much in hand', () => {
  it('refuses a read beyond the limit with 503 and Retry-After, and takes reads again once requests finish', async () => {
    const { app, counters, waiting, releaseAll, until } = appHolding(3);
    const inHand = [app.request('/api/slow'), app.request('/api/slow'), app.request('/api/slow')];
    await until(() => waiting.length === 3);

    const refused = await app.request('/api/campaigns');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: { code: 'busy' } });
    expect(counters.refused).toBe(1);

    releaseAll();
    expect((await Promise.all(inHand)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(counters.inFlight).toBe(0);
    expect((await app.request('/api/campaigns')).status).toBe(200);
  });

  it('never refuses a write, /api/health, /metrics or a live stream', async () => {
    const { app, counters, waiting, releaseAll, until } = appHolding(1);
    const read = app.request('/api/slow');
    await until(() => waiting.length === 1);
    const write = app.request('/api/campaigns/c1/results', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await until(() => waiting.length === 2); // the write is being answered beside the read
    expect((await app.request('/api/health')).status).toBe(200);
    expect((await app.request('/metrics')).status).toBe(200);
    expect((await app.request('/api/events/stream')).status).toBe(200);
    expect((await app.request('/api/campaigns')).status).toBe(503);
    releaseAll();
    expect((await write).status).toBe(200);
    expect((await read).status).toBe(200);
    expect(counters.refused).toBe(1);
  });

  it('reads its limit from ATHANOR_MAX_IN_FLIGHT: 0 turns shedding off; anything but a whole number is refused by name', async () => {
    expect(maxInFlightFromEnv({})).toBeGreaterThan(0);
    expect(maxInFlightFromEnv({ ATHANOR_MAX_IN_FLIGHT: '0' })).toBe(0);
    expect(() => maxInFlightFromEnv({ ATHANOR_MAX_IN_FLIGHT: '-1' })).toThrow(/ATHANOR_MAX_IN_FLIGHT/);
    expect(() => maxInFlightFromEnv({ ATHANOR_MAX_IN_FLIGHT: '1e3' })).toThrow(/ATHANOR_MAX_IN_FLIGHT/);

    const { app, waiting, releaseAll, until } = appHolding(0);
    const inHand = Array.from({ length: 20 }, () => app.request('/api/slow'));
    await until(() => waiting.length === 20);
    expect((await app.request('/api/campaigns')).status).toBe(200);
    releaseAll();
    await Promise.all(inHand);
  });
});
