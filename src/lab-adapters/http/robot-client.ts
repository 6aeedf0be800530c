/**
 * Calls to a robot's HTTP API with fetch: a timeout per request, the auth header, JSON both ways,
 * and failures sorted the way the contract needs them — unreachable, timed out, busy (429, 503)
 * and server errors are transient; refusals (other 4xx) are permanent, with the robot's message.
 * HTTPS works as usual against the system's roots; `tls.ca` trusts a private certificate authority
 * (lab.tls.ca_file) for this robot only, through an undici Agent (Node's own fetch has no way to
 * pass a CA per request).
 */
import { Agent, fetch as undiciFetch } from 'undici';
import type { z } from 'zod';
import { LabAuthError, PermanentLabError, TransientLabError } from '../contract.js';
import { describeError } from '../log.js';
import { untrustedCertificate } from '../tls-errors.js';
import { errorReplySchema } from './protocol.js';

export interface RobotClientOptions {
  baseUrl: string;
  auth?: { header: string; value: string };
  timeoutMs: number;
  /** HTTPS to a robot whose certificate a private CA signed: the roots to trust (PEM), and the name
   * the certificate must carry when it is not the URL's host. */
  tls?: { ca?: string | Buffer; serverName?: string };
}

interface FetchedResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface RobotReply {
  status: number;
  body: unknown;
  /** Retry-After of a 429/503, in milliseconds. */
  retryAfterMs?: number;
}

/**
 * Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Hand-written:
 * two cases, no library needed. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export class RobotClient {
  private readonly base: string;
  private dispatcher: Agent | undefined;

  constructor(private readonly options: RobotClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** A private-CA client's own connection pool, made on first use (again after close). */
  private privateDispatcher(): Agent | undefined {
    const tls = this.options.tls;
    if (!tls || (tls.ca === undefined && tls.serverName === undefined)) return undefined;
    this.dispatcher ??= new Agent({ connect: { ...(tls.ca !== undefined ? { ca: tls.ca } : {}), ...(tls.serverName !== undefined ? { servername: tls.serverName } : {}) } });
    return this.dispatcher;
  }

  /** Closes the connections of a private-CA client (the default pool is the process's). */
  async close(): Promise<void> {
    const dispatcher = this.dispatcher;
    this.dispatcher = undefined;
    await dispatcher?.close();
  }

  /** Any HTTP status comes back; only a failure to get one (network, timeout) throws. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<RobotReply> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.auth) headers[this.options.auth.header] = this.options.auth.value;
    let response: FetchedResponse;
    try {
      const init = {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      };
      const dispatcher = this.privateDispatcher();
      response = dispatcher ? await undiciFetch(url, { ...init, dispatcher }) : await fetch(url, init);
    } catch (error) {
      const certificate = untrustedCertificate(error);
      // waiting will not make a certificate trusted: like refused credentials, the campaign pauses at once
      if (certificate) throw new LabAuthError(`the robot at ${this.base} presented a certificate we do not trust (${certificate}); check lab.tls (ca_file, server_name)`);
      const why = (error as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : describeError(error);
      throw new TransientLabError(`the robot at ${this.base} is unreachable: ${method} ${path}: ${why}`);
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: kept as text for the error message
    }
    const retryAfterMs = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    return { status: response.status, body: parsed, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }

  /** A 2xx reply's body in the expected shape; anything else becomes the contract's error. */
  expect<T extends z.ZodType>(reply: RobotReply, schema: T, what: string): z.output<T> {
    if (reply.status >= 200 && reply.status < 300) {
      const parsed = schema.safeParse(reply.body);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      throw new TransientLabError(`${what}: the robot's reply does not follow the protocol (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`);
    }
    throw this.failure(reply, what);
  }

  failure(reply: RobotReply, what: string): Error {
    const error = errorReplySchema.safeParse(reply.body);
    const detail = error.success ? `${error.data.error.code}: ${error.data.error.message}` : String(reply.body ?? '').slice(0, 200);
    const message = `${what}: the robot answered ${reply.status}${detail ? ` (${detail})` : ''}`;
    if (reply.status === 408 || reply.status === 429 || reply.status >= 500) return new TransientLabError(message, reply.retryAfterMs);
    if (reply.status === 401 || reply.status === 403) return new LabAuthError(`${message}: the robot refused our credentials; check lab.auth`);
    return new PermanentLabError(message);
  }
}
