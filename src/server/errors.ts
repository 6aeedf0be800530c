/** One error shape for every route: `{ error: { code, message, field?, issues? } }`. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { OperatorError } from '../agent/index.js';
import { RetryLaterError } from '../lab-adapters/contract.js';
import { SmilesError } from '../chem/index.js';

export interface ApiIssue {
  path: string;
  message: string;
  line?: number;
}

export function apiError(status: ContentfulStatusCode, code: string, message: string, field?: string, issues?: ApiIssue[]): HTTPException {
  const error = { code, message, ...(field ? { field } : {}), ...(issues && issues.length > 0 ? { issues } : {}) };
  return new HTTPException(status, {
    message,
    res: new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json' } }),
  });
}

const OPERATOR_STATUS: Record<OperatorError['kind'], ContentfulStatusCode> = { not_found: 404, conflict: 409, invalid: 422 };

/** Converts what handlers throw into the error shape; anything unexpected becomes a 500 without details. */
export function errorHandler(logInternal: (error: Error, c: Context) => void = () => {}) {
  return (error: Error, c: Context): Response => {
    if (error instanceof HTTPException) {
      const res = error.getResponse();
      if (res.headers.get('content-type')?.includes('application/json')) return res;
      return c.json({ error: { code: `http_${error.status}`, message: error.message || res.statusText } }, error.status);
    }
    if (error instanceof OperatorError) {
      return apiError(OPERATOR_STATUS[error.kind], error.code, error.message, error.field, error.issues).getResponse();
    }
    if (error instanceof RetryLaterError) {
      return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': String(error.retryAfterSeconds) },
      });
    }
    if (error instanceof SmilesError) return apiError(400, 'invalid_smiles', error.message, 'smiles').getResponse();
    logInternal(error, c);
    return c.json({ error: { code: 'internal', message: 'internal error; see the service log' } }, 500);
  };
}
