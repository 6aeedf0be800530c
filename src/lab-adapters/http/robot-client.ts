/**
 * Calls to a robot's HTTP API with fetch: a timeout per request, the auth header, JSON both ways,
 * and failures sorted the way the contract needs them — unreachable, timed out, busy (429, 503)
 * and server errors are transient; refusals (other 4xx) are permanent, with the robot's message.
 * HTTPS works as usual; a private CA is trusted with NODE_EXTRA_CA_CERTS.
 */
import type { z } from 'zod';
import { PermanentLabError, TransientLabError } from '../contract.js';
import { describeError } from '../log.js';
import { errorReplySchema } from './protocol.js';

export interface RobotClientOptions {
  baseUrl: string;
  auth?: { header: string; value: string };
  timeoutMs: number;
}

export interface RobotReply {
  status: number;
  body: unknown;
}

export class RobotClient {
  private readonly base: string;

  constructor(private readonly options: RobotClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** Any HTTP status comes back; only a failure to get one (network, timeout) throws. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<RobotReply> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.auth) headers[this.options.auth.header] = this.options.auth.value;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
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
    return { status: response.status, body: parsed };
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
    if (reply.status === 408 || reply.status === 429 || reply.status >= 500) return new TransientLabError(message);
    if (reply.status === 401 || reply.status === 403) return new PermanentLabError(`${message}; check lab.auth`);
    return new PermanentLabError(message);
  }
}
