/**
 * CLI commands that read or change the home while `athanor serve` holds it: they open the
 * database when they can, and otherwise talk to the service through its HTTP API with the token
 * it left in the home (src/cli/service-file.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { HomeLockedError } from '../db/home-lock.js';
import { openDatabase, type Database } from '../db/index.js';
import { UsageError } from './errors.js';
import { runningService, type RunningService } from './service-file.js';

export class ServiceClient {
  constructor(readonly service: RunningService) {}

  /** Where the answers come from, for the lines that say so. */
  get location(): string {
    return `the running service at ${this.service.url} (pid ${this.service.pid})`;
  }

  /** JSON over the API; the API's own message when it refuses (4xx: the user's to fix, exit 2). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { signal: AbortSignal.timeout(60_000), ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) };
    const text = await (await this.send(method, path, 'application/json', init)).text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new Error(`the running service answered ${method} ${path} with something other than JSON`);
    }
  }

  /** A file sent as the body, streamed from disk (a library for a background screen); the JSON answer. */
  async upload<T>(path: string, file: string): Promise<T> {
    const response = await this.send('POST', path, 'application/json', {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(statSync(file).size) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    return response.json() as Promise<T>;
  }

  /** A file the API serves (an export), as bytes. */
  async download(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.send('GET', path, '*/*', { signal: AbortSignal.timeout(60_000) })).arrayBuffer());
  }

  /** One call to the service: the response when it succeeds, its refusal as an error (see answer). */
  private async send(method: string, path: string, accept: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.service.url + path, { ...init, method, headers: { authorization: `Bearer ${this.service.token}`, accept, ...(init.headers as Record<string, string>) } });
    } catch (error) {
      throw new Error(`the service holding this home (pid ${this.service.pid}) does not answer at ${this.service.url}: ${(error as Error).message}`, { cause: error });
    }
    return this.answer(response);
  }

  /** The response when it is a success; the API's own message when it refuses (4xx: the user's to fix, exit 2). */
  private async answer(response: Response): Promise<Response> {
    if (response.ok) return response;
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const error = (json as { error?: { message?: string; field?: string } } | undefined)?.error;
    const message = `${error?.field ? `${error.field}: ` : ''}${error?.message ?? `${response.status} ${response.statusText}`}`;
    throw response.status < 500 ? new UsageError(message) : new Error(`the running service failed: ${message}`);
  }
}

export type HomeAccess = { kind: 'database'; database: Database } | { kind: 'service'; client: ServiceClient };

/** The home's database, or, while a service holds it, that service's API. */
export async function openHomeOrService(home: string): Promise<HomeAccess> {
  try {
    return { kind: 'database', database: await openDatabase({ home }) };
  } catch (error) {
    if (!(error instanceof HomeLockedError)) throw error;
    const service = runningService(home, error.pid);
    if (!service) throw error; // another `run`, or a service that did not leave its address: the lock's message says what to do
    return { kind: 'service', client: new ServiceClient(service) };
  }
}

/** Runs `local` on the database or `remote` through the service, closing the database after. */
export async function withHome<T>(home: string, local: (database: Database) => Promise<T>, remote: (client: ServiceClient) => Promise<T>): Promise<T> {
  const access = await openHomeOrService(home);
  if (access.kind === 'service') return remote(access.client);
  try {
    return await local(access.database);
  } finally {
    await access.database.close();
  }
}
