/**
 * The receiving end of signed result callbacks, through both bindings: the service's Hono sub-app
 * (src/server/lab-callbacks.ts) and the loopback listener `athanor run` opens (real HTTP on
 * 127.0.0.1). Every bad request is refused with a specific error, reaches nothing, and is logged.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedResultError, type LabResult } from '../src/lab-adapters/contract.js';
import { LabCallbackRegistry, MAX_CALLBACK_BYTES } from '../src/lab-adapters/http/callback-endpoint.js';
import { startCallbackListener, type CallbackListener } from '../src/lab-adapters/http/loopback-listener.js';
import { signature, signedHeaders } from '../src/lab-adapters/http/signature.js';
import { createLabCallbacksApp } from '../src/server/lab-callbacks.js';

const SECRET = 'a shared key, 32 bytes or more, from the environment';
const labId = randomUUID();
const accepted: LabResult[] = [];
const lines: Record<string, unknown>[] = [];
let acceptBehaviour: 'store' | 'refuse' | 'fail' = 'store';

const registry = new LabCallbackRegistry();
registry.register(labId, {
  secret: SECRET,
  expectations: { target: 'yield', bounds: [0, 100] },
  accept: async (result) => {
    if (acceptBehaviour === 'refuse') throw new RefusedResultError('out_of_bounds', 'values.yield: refused by the campaign', 'values.yield');
    if (acceptBehaviour === 'fail') throw new Error('database briefly unavailable');
    accepted.push(result);
  },
  log: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }),
});

const app = createLabCallbacksApp({ resolve: (id) => registry.get(id) });
let listener: CallbackListener;

beforeAll(async () => {
  listener = await startCallbackListener('127.0.0.1', 0, registry);
});
afterAll(async () => {
  await listener.close();
});

type Post = (path: string, body: string, headers: Record<string, string>) => Promise<{ status: number; json: Record<string, unknown>; headers: Headers }>;

const bindings: { name: string; post: Post }[] = [
  {
    name: 'Hono sub-app',
    post: async (path, body, headers) => {
      const res = await app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
    },
  },
  {
    name: 'loopback listener',
    post: async (path, body, headers) => {
      const res = await fetch(`${listener.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
    },
  },
];

const path = (id = labId) => `/api/labs/${id}/results`;
const nowS = () => Math.floor(Date.now() / 1000);
const good = (experimentId = randomUUID()) => JSON.stringify({ experimentId, status: 'completed', values: { yield: 71.5 }, instrument: 'HPLC-2' });

describe.each(bindings)('result callbacks through the $name', ({ post }) => {
  it('accepts a signed result and hands it on once per delivery', async () => {
    const before = accepted.length;
    const id = randomUUID();
    const body = good(id);
    const res = await post(path(), body, signedHeaders(SECRET, body));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ accepted: true, experimentId: id });
    expect(accepted.slice(before)).toEqual([{ experimentId: id, status: 'completed', values: { yield: 71.5 }, raw: JSON.parse(body) }]);
    // a failure report is a result too
    const failed = JSON.stringify({ experimentId: randomUUID(), status: 'failed', reason: 'clogged needle' });
    expect((await post(path(), failed, signedHeaders(SECRET, failed))).status).toBe(200);
  });

  const refusals: [string, () => { body: string; headers: Record<string, string>; id?: string }, number, string, string?][] = [
    ['an unsigned callback', () => ({ body: good(), headers: {} }), 401, 'unsigned', 'X-Athanor-Timestamp'],
    ['a callback without a signature', () => ({ body: good(), headers: { 'X-Athanor-Timestamp': String(nowS()) } }), 401, 'unsigned', 'X-Athanor-Signature'],
    ['a callback signed with another key', () => { const body = good(); return { body, headers: signedHeaders('not the key', body) }; }, 401, 'bad_signature', 'X-Athanor-Signature'],
    ['a body changed after signing', () => { const body = good(); return { body: body.replace('71.5', '99.5'), headers: signedHeaders(SECRET, body) }; }, 401, 'bad_signature', 'X-Athanor-Signature'],
    ['a malformed signature', () => ({ body: good(), headers: { 'X-Athanor-Timestamp': String(nowS()), 'X-Athanor-Signature': 'md5=abc' } }), 401, 'bad_signature', 'X-Athanor-Signature'],
    ['a replay from ten minutes ago', () => { const body = good(); return { body, headers: signedHeaders(SECRET, body, Date.now() - 600_000) }; }, 401, 'stale_timestamp', 'X-Athanor-Timestamp'],
    ['a timestamp ten minutes ahead', () => { const body = good(); return { body, headers: signedHeaders(SECRET, body, Date.now() + 600_000) }; }, 401, 'stale_timestamp', 'X-Athanor-Timestamp'],
    ['a timestamp that is not a number', () => { const body = good(); return { body, headers: { 'X-Athanor-Timestamp': 'yesterday', 'X-Athanor-Signature': signature(SECRET, 'yesterday', body) } }; }, 401, 'bad_timestamp', 'X-Athanor-Timestamp'],
    ['a body that is not JSON', () => { const body = '{"experimentId": '; return { body, headers: signedHeaders(SECRET, body) }; }, 400, 'invalid_json'],
    ['a value of the wrong type', () => { const body = JSON.stringify({ experimentId: randomUUID(), status: 'completed', values: { yield: '71.5' } }); return { body, headers: signedHeaders(SECRET, body) }; }, 422, 'invalid_result', 'values.yield'],
    ['a missing experiment id', () => { const body = JSON.stringify({ status: 'completed', values: { yield: 7 } }); return { body, headers: signedHeaders(SECRET, body) }; }, 422, 'missing_field', 'experimentId'],
    ['a missing status', () => { const body = JSON.stringify({ experimentId: randomUUID(), values: { yield: 7 } }); return { body, headers: signedHeaders(SECRET, body) }; }, 422, 'missing_field', 'status'],
    ['a completed result without the objective', () => { const body = JSON.stringify({ experimentId: randomUUID(), status: 'completed', values: { purity: 99 } }); return { body, headers: signedHeaders(SECRET, body) }; }, 422, 'missing_field', 'values.yield'],
    ['a yield outside the objective bounds', () => { const body = JSON.stringify({ experimentId: randomUUID(), status: 'completed', values: { yield: 140 } }); return { body, headers: signedHeaders(SECRET, body) }; }, 422, 'out_of_bounds', 'values.yield'],
    ['a failure without a reason', () => { const body = JSON.stringify({ experimentId: randomUUID(), status: 'failed' }); return { body, headers: signedHeaders(SECRET, body) }; }, 422, 'missing_field', 'reason'],
    ['a body over the size limit', () => { const body = JSON.stringify({ experimentId: randomUUID(), status: 'failed', reason: 'x'.repeat(MAX_CALLBACK_BYTES) }); return { body, headers: signedHeaders(SECRET, body) }; }, 413, 'body_too_large'],
  ];
  for (const [what, make, status, code, field] of refusals) {
    it(`refuses ${what}: ${status} ${code}, nothing handed on, refusal logged`, async () => {
      const before = accepted.length;
      const linesBefore = lines.length;
      const { body, headers } = make();
      const res = await post(path(), body, headers);
      expect(res.status).toBe(status);
      expect(res.json).toMatchObject({ error: { code, ...(field ? { field } : {}) } });
      expect(typeof (res.json.error as { message?: unknown }).message).toBe('string');
      expect(accepted.length).toBe(before);
      expect(lines.slice(linesBefore).some((l) => l.code === code && /refused/.test(String(l.msg)))).toBe(true);
    });
  }

  it('refuses a callback for a lab it does not serve: 404 unknown_lab', async () => {
    const body = good();
    const res = await post(path(randomUUID()), body, signedHeaders(SECRET, body));
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: 'unknown_lab', field: 'labId' } });
  });

  it('passes on a refusal by the campaign (422) and asks for a retry when storage fails (503)', async () => {
    const body = good();
    try {
      acceptBehaviour = 'refuse';
      const refused = await post(path(), body, signedHeaders(SECRET, body));
      expect(refused.status).toBe(422);
      expect(refused.json).toMatchObject({ error: { code: 'out_of_bounds', field: 'values.yield' } });
      acceptBehaviour = 'fail';
      const later = await post(path(), body, signedHeaders(SECRET, body));
      expect(later.status).toBe(503);
      expect(later.json).toMatchObject({ error: { code: 'not_ready' } });
      expect(later.headers.get('retry-after')).toBe('5');
    } finally {
      acceptBehaviour = 'store';
    }
  });
});
