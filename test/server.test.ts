/**
 * `athanor serve` as `npm start` runs it, in a child process over real HTTP on loopback: the demo
 * campaign, the first operator token printed once, the API and the panel behind it, and a clean
 * shutdown even with a live event stream open. (The API in depth: api.test.ts.)
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempHome } from './helpers.js';

const CLI = join(ROOT, 'bin', 'athanor.js');
const { home: scratch, cleanup } = tempHome('athanor-serve-');
afterAll(cleanup);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Service {
  url: string;
  output: () => string;
  /** The operator token `serve` printed on its first start, if it did. */
  token: () => string | undefined;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

// Generous for a busy 2-core machine (see the demo test's timeout), short of the test's own limit,
// so that a service that hangs fails with its output rather than a bare timeout.
const START_LIMIT_MS = 100_000;
const STOP_LIMIT_MS = 60_000;
const REQUEST_LIMIT_MS = 60_000;

async function startService(home: string, extra: string[] = []): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--home', home, ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    // A start that never finishes fails with what the service said, not a bare test timeout.
    const limit = setTimeout(() => {
      clearInterval(timer);
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within ${START_LIMIT_MS / 1000} s; it printed:\n${out}`));
    }, START_LIMIT_MS);
    const timer = setInterval(() => {
      if (out.includes('Athanor is running at')) {
        clearInterval(timer);
        clearTimeout(limit);
        resolve();
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      clearTimeout(limit);
      reject(new Error(`serve exited with ${code}: ${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    token: () => /^\s+(ath_[A-Za-z0-9_-]{43})$/m.exec(out)?.[1],
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      let limit: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        limit = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`serve did not exit within ${STOP_LIMIT_MS / 1000} s of ${signal}; it printed:\n${out}`));
        }, STOP_LIMIT_MS);
      });
      try {
        return await Promise.race([exited, stuck]);
      } finally {
        clearTimeout(limit);
      }
    },
  };
}

let token: string | undefined;

/** A failure while the service runs carries what it printed: its log says where it was. */
function withServiceOutput(error: unknown, service: Service): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  failure.message += `\n--- serve printed:\n${service.output()}`;
  return failure;
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
  return { status: res.status, body: await res.json() };
}

describe('athanor serve --demo (what npm start runs)', () => {
  const home = join(scratch, 'demo');

  // Two cold starts of the service in child processes: the first creates the PGlite cluster
  // (initdb: most of the first start), loads RDKit for the demo's file and builds its 1,728-candidate
  // space; the second opens the database again and builds the space again before its shutdown can
  // detach the campaign. Measured at load 20-30 on 2 cores: fresh open 35-105 s, reopen 8-43 s,
  // the campaign's runtime 10 s. The default 60 s was too short for the 2-core CI machine
  // running two test files at once.
  it('listens on loopback, creates one demo campaign, serves its progress, and shuts down cleanly', { timeout: 240_000 }, async () => {
    const service = await startService(home, ['--demo']);
    try {
      expect(service.output()).toContain('watch the campaigns');
      expect(service.output()).toContain('sign in with this operator token');
      token = service.token();
      expect(token).toBeDefined();
      // The campaigns start beside the server: the demo runs within moments of it listening.
      let health = await getJson(`${service.url}/api/health`);
      for (let i = 0; i < 100 && health.body.activeCampaigns !== 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
        health = await getJson(`${service.url}/api/health`);
      }
      expect(health).toMatchObject({ status: 200, body: { ok: true, database: 'pglite', activeCampaigns: 1 } });

      let list = await getJson(`${service.url}/api/campaigns`);
      for (let i = 0; i < 100 && list.body.campaigns[0]?.status !== 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        list = await getJson(`${service.url}/api/campaigns`);
      }
      expect(list.body.campaigns).toHaveLength(1);
      const [demo] = list.body.campaigns;
      expect(demo.name).toMatch(/^Demo: /);
      expect(demo.status).toBe('running');
      expect(demo.reference.top1Threshold).toBeCloseTo(90.39, 2);

      // it really runs: experiments appear over time
      let experiments: any[] = [];
      for (let i = 0; i < 100 && experiments.length === 0; i++) {
        experiments = (await getJson(`${service.url}/api/campaigns/${demo.campaignId}/experiments`)).body.experiments;
        if (experiments.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(experiments.length).toBeGreaterThanOrEqual(5);
      expect(experiments[0]).toMatchObject({ seq: 1, campaignId: demo.campaignId });

      const events = await getJson(`${service.url}/api/campaigns/${demo.campaignId}/events`);
      expect(events.body.events.map((e: { type: string }) => e.type)).toContain('batch.planned');

      const page = await fetch(`${service.url}/campaigns/${demo.campaignId}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('<svg');
      expect(html).toContain('Demo: Direct arylation');
      // without a token the panel sends people to sign in
      const anonymous = await fetch(`${service.url}/campaigns/${demo.campaignId}`, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(`/campaigns/${demo.campaignId}`)}`);

      // an open event stream must not keep the process from stopping
      const stream = await fetch(`${service.url}/api/events/stream`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
      expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
      void stream.body?.getReader().read().catch(() => undefined);
    } catch (error) {
      throw withServiceOutput(error, service);
    } finally {
      expect(await service.stop('SIGTERM')).toBe(0);
    }

    // A second start finds the campaign and resumes it instead of creating another demo.
    const again = await startService(home, ['--demo']);
    try {
      expect(again.token()).toBeUndefined(); // the token is printed once, on the first start only
      expect(again.output()).toContain('athanor token create --role operator');
      const list = await getJson(`${again.url}/api/campaigns`);
      expect(list.body.campaigns).toHaveLength(1);
      expect(list.body.campaigns[0].status).toBe('running');
    } catch (error) {
      throw withServiceOutput(error, again);
    } finally {
      await again.stop('SIGTERM');
    }
  });

  it('answers bad requests with the stable JSON error shape', async () => {
    const service = await startService(join(scratch, 'errors'));
    token = service.token();
    try {
      expect((await getJson(`${service.url}/api/campaigns`)).status).toBe(200);
      expect(await getJson(`${service.url}/api/campaigns/not-a-uuid`)).toEqual({
        status: 400,
        body: { error: { code: 'invalid_id', message: 'a campaign id is a UUID', field: 'id' } },
      });
      const missing = await getJson(`${service.url}/api/campaigns/00000000-0000-4000-8000-000000000000`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('campaign_not_found');
      const route = await getJson(`${service.url}/api/nothing-here`);
      expect(route).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
      const events = await getJson(`${service.url}/api/campaigns/00000000-0000-4000-8000-000000000000/events?after=-1`);
      expect(events).toMatchObject({ status: 400, body: { error: { code: 'invalid_query', field: 'after' } } }); // the request is checked before the database
      const big = await fetch(`${service.url}/api/campaigns`, { method: 'POST', body: 'x'.repeat(2_000_000), headers: { 'content-type': 'text/plain' } });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    } finally {
      await service.stop();
    }
  });
});
