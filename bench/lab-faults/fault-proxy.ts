/**
 * A fault-injecting HTTP proxy between Athanor and an HTTP reference robot, on loopback: it
 * passes requests on unless told to be down (connections cut), busy (429 with Retry-After on
 * dispatches) or to hang the next dispatch; and it can slip extra reports (unknown ids,
 * conflicting re-reports) into the robot's `GET /results`, taking their acknowledgements itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InjectedReport {
  experimentId: string;
  status: 'completed';
  values: Record<string, number>;
  [extra: string]: unknown;
}

export class FaultProxy {
  down = false;
  busy = 0;
  retryAfterS = 1;
  hangNextMs = 0;
  url = '';
  /** The callback URL of the latest order (callback mode), where a forger would post. */
  callbackUrl: string | undefined;
  readonly answers = new Map<string, number>();
  /** Outcome Athanor acknowledged each injected report with, by experiment id. */
  readonly injectedAcks = new Map<string, string>();
  private readonly pending = new Map<string, InjectedReport>();
  private server!: Server;

  constructor(private readonly robotUrl: () => string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Offered on `GET /results` until Athanor acknowledges it. */
  inject(report: InjectedReport): void {
    this.pending.set(report.experimentId, report);
  }

  private count(what: string): void {
    this.answers.set(what, (this.answers.get(what) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const dispatch = req.method === 'POST' && path === '/experiments';
    if (this.down) {
      this.count('cut (outage)');
      req.socket.destroy();
      return;
    }
    const ack = req.method === 'POST' ? /^\/results\/([^/]+)\/ack$/.exec(path) : null;
    const injectedId = ack ? decodeURIComponent(ack[1] as string) : undefined;
    if (injectedId && this.pending.has(injectedId)) {
      this.pending.delete(injectedId);
      const parsed = JSON.parse(body) as { outcome?: string; accepted?: boolean; error?: { code?: string } };
      this.injectedAcks.set(injectedId, parsed.outcome ?? (parsed.accepted === false ? `refused ${parsed.error?.code ?? ''}` : 'unknown'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"acked":true}');
      return;
    }
    if (dispatch && this.busy > 0) {
      this.busy--;
      this.count('429 busy');
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(this.retryAfterS) }).end(JSON.stringify({ error: { code: 'busy', message: 'the queue is full' } }));
      return;
    }
    if (dispatch) {
      const order = JSON.parse(body) as { callbackUrl?: string };
      if (order.callbackUrl) this.callbackUrl = order.callbackUrl;
      if (this.hangNextMs > 0) {
        const hang = this.hangNextMs;
        this.hangNextMs = 0;
        this.count('hung dispatch');
        await new Promise((resolve) => setTimeout(resolve, hang));
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
    try {
      const answer = await fetch(`${this.robotUrl()}${path}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(30_000) });
      let text = await answer.text();
      if (req.method === 'GET' && path.startsWith('/results') && answer.status === 200 && this.pending.size > 0) {
        const listed = JSON.parse(text) as { results: unknown[] };
        text = JSON.stringify({ results: [...listed.results, ...this.pending.values()] });
      }
      this.count(dispatch ? `dispatch ${answer.status}` : String(answer.status));
      const retryAfter = answer.headers.get('retry-after');
      if (!res.destroyed) res.writeHead(answer.status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) }).end(text);
    } catch {
      this.count('robot unreachable');
      res.destroy();
    }
  }

  close(): Promise<void> {
    (this.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
