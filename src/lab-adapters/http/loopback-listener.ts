/**
 * The callback receiver an `athanor run` process opens for itself (it has no web service): one
 * route, POST /api/labs/:labId/results, over node:http. Only src/server may import Hono (docs/design.md, Layers),
 * so this binding is a dozen lines of node:http around the same framework-free handler the
 * service's Hono sub-app uses; behaviour and replies are identical.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleResultCallback, MAX_CALLBACK_BYTES, type LabCallbackRegistry } from './callback-endpoint.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';

export interface CallbackListener {
  /** Base URL, e.g. http://127.0.0.1:41234 (routes hang below it). */
  url: string;
  close(): Promise<void>;
}

const ROUTE = /^\/api\/labs\/([^/?]+)\/results(?:\?.*)?$/;

export async function startCallbackListener(host: string, port: number, registry: LabCallbackRegistry): Promise<CallbackListener> {
  const server = createServer((req, res) => void respond(req, res, registry));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, registry: LabCallbackRegistry): Promise<void> {
  const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const match = ROUTE.exec(req.url ?? '');
  if (!match) return send(404, { error: { code: 'not_found', message: `no route for ${req.method} ${req.url}` } });
  if (req.method !== 'POST') return send(405, { error: { code: 'method_not_allowed', message: 'use POST' } }, { allow: 'POST' });
  const labId = decodeURIComponent(match[1] as string);
  const body = await readBody(req, MAX_CALLBACK_BYTES);
  if (body === undefined) {
    const message = `callback bodies are limited to ${MAX_CALLBACK_BYTES} bytes`;
    registry.get(labId)?.log.warn({ labId, code: 'body_too_large', status: 413 }, `callback refused: ${message}`);
    send(413, { error: { code: 'body_too_large', message } }, { connection: 'close' });
    return;
  }
  const header = (name: string) => {
    const value = req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const reply = await handleResultCallback(registry.get(labId), {
    labId,
    timestamp: header(TIMESTAMP_HEADER),
    signature: header(SIGNATURE_HEADER),
    body,
  });
  send(reply.status, reply.body, reply.headers);
}

/** The body as text, or undefined once it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
