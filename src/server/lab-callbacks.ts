/**
 * Robots report results here: POST /api/labs/:labId/results, signed with HMAC-SHA256 over
 * `<timestamp>.<body>` (X-Athanor-Timestamp, X-Athanor-Signature: sha256=<hex>; ±5 min window),
 * body at most 64 KiB, validated before anything is stored. Protocol: docs/lab-protocols.md.
 * The work is done by the framework-free handler in lab-adapters, which the loopback listener of
 * `athanor run` uses as well; this file only binds it to Hono.
 *
 * Mount it in the service with `app.route('/', createLabCallbacksApp())`. The route authenticates
 * by signature, not by token or cookie: it must not sit behind requirePermission.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  handleResultCallback,
  labCallbackRegistry,
  MAX_CALLBACK_BYTES,
  type CallbackEndpoint,
} from '../lab-adapters/http/callback-endpoint.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../lab-adapters/http/signature.js';

export interface LabCallbacksOptions {
  /** The lab a callback is for; default: HTTP robot adapters registered in this process. */
  resolve?: (labId: string) => CallbackEndpoint | undefined;
  /** Clock for the signature window (tests). */
  now?: () => number;
}

export function createLabCallbacksApp(options: LabCallbacksOptions = {}): Hono {
  const resolve = options.resolve ?? ((labId: string) => labCallbackRegistry.get(labId));
  const now = options.now ?? Date.now;
  const app = new Hono();
  app.post(
    '/api/labs/:labId/results',
    bodyLimit({
      maxSize: MAX_CALLBACK_BYTES,
      onError: (c) => {
        const message = `callback bodies are limited to ${MAX_CALLBACK_BYTES} bytes`;
        const labId = c.req.param('labId') ?? '';
        resolve(labId)?.log.warn({ labId, code: 'body_too_large', status: 413 }, `callback refused: ${message}`);
        return c.json({ error: { code: 'body_too_large', message } }, 413);
      },
    }),
    async (c) => {
      const labId = c.req.param('labId');
      const reply = await handleResultCallback(
        resolve(labId),
        { labId, timestamp: c.req.header(TIMESTAMP_HEADER), signature: c.req.header(SIGNATURE_HEADER), body: await c.req.text() },
        now(),
      );
      return c.json(reply.body, reply.status, reply.headers);
    },
  );
  return app;
}
