/**
 * The HTTP service in the test process, on a free loopback port: a real PGlite database, real
 * campaigns under a Supervisor, the real Hono app behind @hono/node-server. Requests go over
 * real HTTP with fetch.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Supervisor } from '../src/agent/index.js';
import { issueToken } from '../src/auth/index.js';
import { openDatabase, type Database, type TokenRole } from '../src/db/index.js';
import { createApp } from '../src/server/app.js';
import { EventFeed } from '../src/server/event-feed.js';
import { DEFAULT_SCREENING_JOBS, ScreeningJobs, type ScreeningJobSettings } from '../src/server/screening-jobs.js';
import type { ModelAccess } from '../src/server/model-access.js';
import type { RateLimit } from '../src/util/rate-limit.js';
import { EXAMPLES, tempHome } from './helpers.js';

export interface Harness {
  url: string;
  database: Database;
  supervisor: Supervisor;
  /** Unbound lab token ('robot-1'): a lab token from before tokens were bound, which reaches no campaign. */
  tokens: Record<TokenRole, string>;
  /** A new lab token bound to these campaigns. */
  labToken(campaignIds: string[], name?: string): Promise<string>;
  /** fetch with a Bearer token (default: the operator's). */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  json<T = any>(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: T }>;
  /** The screening jobs, when the harness was started with `screening`. */
  screening: ScreeningJobs | undefined;
  close(): Promise<void>;
}

export interface HarnessOptions {
  models?: ModelAccess;
  sessionHours?: number;
  quarantineLimit?: RateLimit;
  /** The request body limit (bytes; the service's default otherwise). */
  maxBodyBytes?: number;
  /** Screening jobs with their upload folder in the harness's home, these settings over the defaults. */
  screening?: Partial<Omit<ScreeningJobSettings, 'folder'>>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { home, cleanup } = tempHome('athanor-api-');
  const database = await openDatabase({ home });
  const supervisor = new Supervisor(database.db, home);
  const feed = new EventFeed(database.db, 100);
  const screening = options.screening ? new ScreeningJobs(database.db, { ...DEFAULT_SCREENING_JOBS, folder: join(home, 'uploads'), ...options.screening }) : undefined;
  screening?.start();
  const app = createApp({
    database,
    supervisor,
    feed,
    dataDir: EXAMPLES,
    logError: (error) => console.error(error),
    ...(options.models ? { models: options.models } : {}),
    ...(options.sessionHours ? { sessionHours: options.sessionHours } : {}),
    ...(options.quarantineLimit ? { quarantineLimit: options.quarantineLimit } : {}),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(screening ? { screening } : {}),
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const tokens = {
    operator: (await issueToken(database.db, 'olivia', 'operator')).token,
    viewer: (await issueToken(database.db, 'victor', 'viewer')).token,
    lab: (await issueToken(database.db, 'robot-1', 'lab')).token,
  };
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = tokens.operator, headers, ...rest } = init;
    const all = new Headers(headers);
    if (token) all.set('authorization', `Bearer ${token}`);
    return fetch(url + path, { ...rest, headers: all });
  };
  return {
    url,
    database,
    supervisor,
    tokens,
    screening,
    labToken: async (campaignIds, name = 'robot-1') => (await issueToken(database.db, name, 'lab', { campaignIds })).token,
    call,
    json: async (path, init) => {
      const res = await call(path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    close: async () => {
      feed.close();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await supervisor.shutdown();
      await screening?.close();
      await database.close();
      cleanup();
    },
  };
}

/** The direct-arylation example as text, changed by simple line edits (the API takes the file as written). */
export function exampleYaml(changes: { name?: string; experiments?: number; batch?: number; latencyMs?: number; strategy?: string } = {}): string {
  let text = readFileSync(join(EXAMPLES, 'direct-arylation.yaml'), 'utf8');
  if (changes.name) text = text.replace(/^name: .*$/m, `name: ${changes.name}`);
  if (changes.experiments) text = text.replace(/^(\s*)experiments: \d+$/m, `$1experiments: ${changes.experiments}`);
  if (changes.batch) text = text.replace(/^(\s*)batch: \d+$/m, `$1batch: ${changes.batch}`);
  if (changes.latencyMs !== undefined) text = text.replace(/^(\s*)latency_ms: \d+$/m, `$1latency_ms: ${changes.latencyMs}`);
  if (changes.strategy) text = text.replace(/^planner:\n/m, `planner:\n  strategy: ${changes.strategy}\n`);
  return text;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A Buchwald–Hartwig campaign of `experiments` run to its end through the harness, with a trained model: its id. */
export async function finishedBuchwaldHartwig(h: Harness, experiments = 10): Promise<string> {
  const yaml = readFileSync(join(EXAMPLES, 'buchwald-hartwig.yaml'), 'utf8').replace(/^(\s*)experiments: \d+$/m, `$1experiments: ${experiments}`);
  const id = (await h.json('/api/campaigns', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml })).body.campaignId as string;
  await waitFor(async () => (await h.json(`/api/campaigns/${id}`)).body.status === 'completed', 'the campaign to spend its budget', 150_000);
  await waitFor(async () => (await h.json(`/api/campaigns/${id}/models`)).body.models.length > 0, 'a model', 60_000);
  return id;
}
