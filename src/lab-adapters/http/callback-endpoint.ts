/**
 * The receiving end of signed result callbacks, free of any web framework: verify the signature,
 * validate the body, hand the result to the campaign's handler, and say what happened in one
 * reply. Two bindings serve it over HTTP: the service's Hono sub-app (src/server/lab-callbacks.ts)
 * and the loopback listener an `athanor run` process opens for itself (loopback-listener.ts).
 */
import { RefusedResultError, RetryLaterError, type LabResult, type ReportOutcome } from '../contract.js';
import { describeError, labLogger, type Logger } from '../log.js';
import { parseResultJson, type ResultExpectations } from '../result-payload.js';
import { verifySignature } from './signature.js';

/** Bodies larger than this are refused unread: a result is a few hundred bytes. */
export const MAX_CALLBACK_BYTES = 64 * 1024;

export interface CallbackEndpoint {
  /** HMAC key the lab signs with. */
  secret: string;
  expectations?: ResultExpectations;
  /** Records the result; RefusedResultError refuses it, any other error means "try again later". */
  accept(result: LabResult): Promise<ReportOutcome | void>;
  log: Logger;
}

/** Which running lab answers to which lab id (Athanor uses the campaign id). */
export class LabCallbackRegistry {
  private readonly endpoints = new Map<string, CallbackEndpoint>();

  /** Returns the function that removes the registration. */
  register(labId: string, endpoint: CallbackEndpoint): () => void {
    this.endpoints.set(labId, endpoint);
    return () => {
      if (this.endpoints.get(labId) === endpoint) this.endpoints.delete(labId);
    };
  }

  get(labId: string): CallbackEndpoint | undefined {
    return this.endpoints.get(labId);
  }
}

/** The process's registry: HTTP robot adapters in callback mode register here. */
export const labCallbackRegistry = new LabCallbackRegistry();

export interface CallbackRequest {
  labId: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
}

export interface CallbackReply {
  status: 200 | 400 | 401 | 404 | 413 | 422 | 429 | 503;
  body: { accepted: true; experimentId: string; outcome?: ReportOutcome } | { error: { code: string; message: string; field?: string } };
  headers?: Record<string, string>;
}

const STATUS_OF: Record<string, CallbackReply['status']> = {
  invalid_json: 400,
  unsigned: 401,
  bad_timestamp: 401,
  stale_timestamp: 401,
  bad_signature: 401,
  body_too_large: 413,
};

const fallbackLog = labLogger('lab-callbacks');

export async function handleResultCallback(endpoint: CallbackEndpoint | undefined, request: CallbackRequest, nowMs = Date.now()): Promise<CallbackReply> {
  const log = endpoint?.log ?? fallbackLog;
  const refuse = (status: CallbackReply['status'], code: string, message: string, field?: string): CallbackReply => {
    log.warn({ labId: request.labId, code, field, status }, `callback refused: ${message}`);
    return { status, body: { error: { code, message, ...(field ? { field } : {}) } } };
  };
  if (!endpoint) return refuse(404, 'unknown_lab', `no running campaign here has the lab id ${request.labId}`, 'labId');
  if (Buffer.byteLength(request.body) > MAX_CALLBACK_BYTES) {
    return refuse(413, 'body_too_large', `callback bodies are limited to ${MAX_CALLBACK_BYTES} bytes`);
  }
  let result: LabResult;
  let outcome: ReportOutcome | void;
  try {
    verifySignature(endpoint.secret, request, nowMs);
    result = parseResultJson(request.body, endpoint.expectations);
    outcome = await endpoint.accept(result);
  } catch (error) {
    if (error instanceof RefusedResultError) return refuse(STATUS_OF[error.code] ?? 422, error.code, error.message, error.field);
    if (error instanceof RetryLaterError) {
      log.warn({ labId: request.labId, code: error.code, status: 429 }, `callback deferred: ${error.message}`);
      return { status: 429, body: { error: { code: error.code, message: error.message } }, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
    }
    log.error({ labId: request.labId, error: describeError(error) }, 'could not record a result; the lab should retry');
    return { status: 503, body: { error: { code: 'not_ready', message: 'the result could not be recorded now; retry later' } }, headers: { 'Retry-After': '5' } };
  }
  return { status: 200, body: { accepted: true, experimentId: result.experimentId, ...(outcome ? { outcome } : {}) } };
}
