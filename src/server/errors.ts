/** One error shape for every route: `{ error: { code, message, field? } }`. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export function apiError(status: ContentfulStatusCode, code: string, message: string, field?: string): HTTPException {
  return new HTTPException(status, {
    res: new Response(JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }), {
      status,
      headers: { 'content-type': 'application/json' },
    }),
  });
}

export function handleError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) {
    const res = error.getResponse();
    if (res.headers.get('content-type')?.includes('application/json')) return res;
    return c.json({ error: { code: `http_${error.status}`, message: error.message || res.statusText } }, error.status);
  }
  return c.json({ error: { code: 'internal', message: 'internal error; see the service log' } }, 500);
}
