/**
 * The reference robot speaking the HTTP protocol (docs/lab-protocols.md): a stand-in for a lab's
 * own server. node:http with a handful of routes rather than Hono, which only src/server may use
 * (docs/design.md, Layers); a robot's server is not Athanor's service anyway.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TransientLabError } from '../contract.js';
import { ackBodySchema } from '../http/protocol.js';
import { signedHeaders } from '../http/signature.js';
import { describeError } from '../log.js';
import { bodyToOrder, orderBodySchema } from '../order-payload.js';
import { resultToPayload } from '../result-payload.js';
import { startRobotParts, type RobotOptions, type RobotParts } from './robot-parts.js';

export interface HttpRobotServerOptions extends RobotOptions {
  host?: string;
  port?: number;
  /** Key callbacks are signed with; without one the robot only offers results on GET /results. */
  secret?: string;
  /** Required on every request when set (e.g. Authorization: Bearer …). */
  auth?: { header: string; value: string };
  /** How long a callback POST may take. */
  callbackTimeoutMs?: number;
}

export interface HttpReferenceRobot extends RobotParts {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1_000_000;

export async function startHttpRobot(options: HttpRobotServerOptions): Promise<HttpReferenceRobot> {
  const routes = new Map<string, string>();
  const parts = await startRobotParts('lab-sim http', options, (id) => routes.get(id));
  const { lab, outbox, log } = parts;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      log.error({ error: describeError(error) }, 'request failed');
      if (!res.headersSent) send(res, 500, { error: { code: 'internal', message: 'the robot failed; see its log' } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.auth && !sameText(header(req, options.auth.header), options.auth.value)) {
      return send(res, 401, { error: { code: 'unauthorized', message: `the ${options.auth.header} header is missing or wrong` } });
    }
    const url = new URL(req.url ?? '/', 'http://robot');
    const path = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const route = `${req.method} /${path.map((p, i) => (i === 1 ? ':id' : p)).join('/')}`;
    const id = path[1] ?? '';
    switch (route) {
      case 'POST /experiments': {
        const body = await readJson(req);
        if (body.error) return send(res, 400, { error: { code: 'invalid_json', message: body.error } });
        const parsed = orderBodySchema.safeParse(body.value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.join('.') ?? '';
          return send(res, 422, { error: { code: 'invalid_order', message: `${field || 'body'}: ${issue?.message ?? 'invalid'}`, field } });
        }
        const order = bodyToOrder(parsed.data);
        // a repeated dispatch may carry a new callback URL (Athanor restarted on another port)
        if (parsed.data.callbackUrl) routes.set(order.id, parsed.data.callbackUrl);
        else routes.delete(order.id);
        try {
          const receipt = await lab.dispatch(order);
          return send(res, receipt.duplicate ? 200 : 201, { experimentId: order.id, status: await lab.status(order.id), duplicate: receipt.duplicate });
        } catch (error) {
          if (error instanceof TransientLabError) return send(res, 503, { error: { code: 'busy', message: error.message } }, { 'retry-after': '1' });
          throw error;
        }
      }
      case 'GET /experiments/:id': {
        const status = await lab.status(id);
        if (status === 'unknown') return send(res, 404, { error: { code: 'unknown_experiment', message: `no experiment ${id} here` } });
        const result = lab.resultOf(id);
        return send(res, 200, { experimentId: id, status, ...(result ? { result: resultToPayload(result) } : {}) });
      }
      case 'POST /experiments/:id/cancel': {
        if ((await lab.status(id)) === 'unknown') return send(res, 404, { error: { code: 'unknown_experiment', message: `no experiment ${id} here` } });
        const cancelled = await lab.cancel(id);
        return send(res, 200, { experimentId: id, cancelled, status: await lab.status(id) });
      }
      case 'GET /results': {
        const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
        return send(res, 200, { results: outbox.due(limit).map((r) => r.payload) });
      }
      case 'POST /results/:id/ack': {
        const body = await readJson(req);
        const parsed = ackBodySchema.safeParse(body.value);
        if (!parsed.success) return send(res, 422, { error: { code: 'invalid_ack', message: 'expected { accepted: true } or { accepted: false, error: { code, message } }' } });
        if (!parsed.data.accepted) log.warn({ experimentId: id, ...parsed.data.error }, 'Athanor refused a result');
        if (!outbox.ack(id, parsed.data.accepted ? undefined : parsed.data.error.message, parsed.data.accepted ? parsed.data.outcome : undefined)) {
          return send(res, 404, { error: { code: 'unknown_result', message: `no result ${id} to acknowledge` } });
        }
        return send(res, 200, { experimentId: id, acked: true });
      }
      case 'GET /health': {
        const { queued, running } = lab.load();
        return send(res, 200, { ok: true, detail: (await lab.health()).detail, queued, running, capacity: lab.capacity });
      }
      default:
        return send(res, 404, { error: { code: 'not_found', message: `no route for ${req.method} ${url.pathname}` } });
    }
  }

  // Callbacks: each due report with a callback URL is posted, signed; a 2xx acknowledges it, a
  // 4xx other than 404/408/429 is a refusal (not retried), anything else is retried with backoff. The report also stays
  // on GET /results until acknowledged, so Athanor's sweep finds what callbacks could not deliver.
  const sending = new Set<string>();
  const sender = setInterval(() => {
    if (!options.secret) return;
    for (const report of outbox.due()) {
      if (!report.callbackUrl || sending.has(report.id)) continue;
      sending.add(report.id);
      void postCallback(report.id, report.callbackUrl, report.payload).finally(() => sending.delete(report.id));
    }
  }, 50);

  async function postCallback(id: string, url: string, payload: unknown): Promise<void> {
    const body = JSON.stringify(payload);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders(options.secret ?? '', body) },
        body,
        signal: AbortSignal.timeout(options.callbackTimeoutMs ?? 5000),
      });
      const text = await response.text();
      if (response.ok) outbox.ack(id, undefined, outcomeOf(text));
      // 404: nothing serves the lab right now (Athanor restarting?) — try again, like 408, 429, 5xx
      else if (response.status >= 400 && response.status < 500 && ![404, 408, 429].includes(response.status)) {
        log.warn({ experimentId: id, status: response.status, reply: text.slice(0, 300) }, 'Athanor refused a callback');
        outbox.ack(id, text.slice(0, 300));
      } else retryLater(id, `HTTP ${response.status}`);
    } catch (error) {
      retryLater(id, describeError(error));
    }
  }

  /** The outcome Athanor's 200 names (stored, duplicate, conflict, quarantined), if any. */
  function outcomeOf(text: string): string | undefined {
    try {
      const outcome = (JSON.parse(text) as { outcome?: unknown }).outcome;
      return typeof outcome === 'string' ? outcome : undefined;
    } catch {
      return undefined;
    }
  }

  function retryLater(id: string, why: string): void {
    const attempts = outbox.get(id)?.attempts ?? 0;
    log.info({ experimentId: id, why, attempts }, 'callback not delivered; will retry');
    outbox.later(id, Math.min(30_000, 250 * 2 ** attempts));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7411, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    ...parts,
    url: `http://${host}:${address.port}`,
    close: async () => {
      clearInterval(sender);
      await lab.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readJson(req: IncomingMessage): Promise<{ value?: unknown; error?: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return { error: `bodies are limited to ${MAX_BODY} bytes` };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `the body is not JSON: ${(error as Error).message}` };
  }
}
