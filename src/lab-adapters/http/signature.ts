/**
 * Signed callbacks: HMAC-SHA256 over `<timestamp>.<body>` with a key both sides hold, the
 * timestamp in Unix seconds. A signature outside ±5 minutes of our clock is refused, so a captured
 * request cannot be replayed later; a replay inside the window is harmless because storing a
 * result is idempotent by experiment id. node:crypto does the cryptography; this file only fixes
 * the byte layout and compares in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RefusedResultError } from '../contract.js';

export const TIMESTAMP_HEADER = 'X-Athanor-Timestamp';
export const SIGNATURE_HEADER = 'X-Athanor-Signature';
export const SIGNATURE_WINDOW_S = 300;

export function signature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The headers a lab sends with a callback body (what the reference robot does). */
export function signedHeaders(secret: string, body: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature(secret, timestamp, body) };
}

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
}

/** Throws RefusedResultError (unsigned, bad_timestamp, stale_timestamp, bad_signature) unless the request is signed with `secret`. */
export function verifySignature(secret: string, request: SignedRequest, nowMs = Date.now(), windowS = SIGNATURE_WINDOW_S): void {
  if (request.timestamp === undefined || request.timestamp === '') {
    throw new RefusedResultError('unsigned', `the ${TIMESTAMP_HEADER} header is missing`, TIMESTAMP_HEADER);
  }
  if (request.signature === undefined || request.signature === '') {
    throw new RefusedResultError('unsigned', `the ${SIGNATURE_HEADER} header is missing`, SIGNATURE_HEADER);
  }
  if (!/^\d{1,12}$/.test(request.timestamp)) {
    throw new RefusedResultError('bad_timestamp', `${TIMESTAMP_HEADER} must be Unix time in whole seconds`, TIMESTAMP_HEADER);
  }
  const skew = Math.abs(nowMs / 1000 - Number(request.timestamp));
  if (skew > windowS) {
    throw new RefusedResultError('stale_timestamp', `${TIMESTAMP_HEADER} is ${Math.round(skew)} s away from our clock (allowed: ${windowS} s); sign each attempt afresh`, TIMESTAMP_HEADER);
  }
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(request.signature);
  if (!match) throw new RefusedResultError('bad_signature', `${SIGNATURE_HEADER} must be sha256=<64 hex digits>`, SIGNATURE_HEADER);
  const expected = Buffer.from(signature(secret, request.timestamp, request.body).slice('sha256='.length), 'hex');
  const given = Buffer.from((match[1] as string).toLowerCase(), 'hex');
  if (!timingSafeEqual(expected, given)) {
    throw new RefusedResultError('bad_signature', `${SIGNATURE_HEADER} does not match the body and timestamp (wrong key, or the body was changed)`, SIGNATURE_HEADER);
  }
}
