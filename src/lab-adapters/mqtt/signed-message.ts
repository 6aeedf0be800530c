/**
 * Signed MQTT result messages: any client of a broker may publish on any topic it is allowed to,
 * so a result is trusted only when signed with the lab's key, exactly as HTTP callbacks are
 * (../http/signature.ts: HMAC-SHA256 over `<timestamp>.<payload>`, Unix seconds, ±5 minutes). The
 * result's JSON travels as a string inside an envelope so the signed bytes are the bytes received:
 *   {"timestamp": "1764800000", "signature": "sha256=<64 hex>", "payload": "{\"experimentId\":…}"}
 */
import { z } from 'zod';
import { RefusedResultError } from '../contract.js';
import { signedHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../http/signature.js';

const envelopeSchema = z.looseObject({ timestamp: z.string(), signature: z.string(), payload: z.string() });

/** The message a robot publishes for `result` (what the reference robot does when it has a key). */
export function signResultMessage(secret: string, result: unknown, nowMs = Date.now()): string {
  const payload = JSON.stringify(result);
  const headers = signedHeaders(secret, payload, nowMs);
  return JSON.stringify({ timestamp: headers[TIMESTAMP_HEADER], signature: headers[SIGNATURE_HEADER], payload });
}

/**
 * The result JSON text of a signed message, or RefusedResultError: `unsigned` (not an envelope),
 * `bad_timestamp`, `stale_timestamp`, `bad_signature` (the same codes as HTTP callbacks).
 */
export function openSignedMessage(secret: string, message: unknown, nowMs = Date.now()): string {
  const envelope = envelopeSchema.safeParse(message);
  if (!envelope.success) {
    throw new RefusedResultError('unsigned', 'this lab signs its results: expected {"timestamp", "signature", "payload"} with an HMAC-SHA256 signature (docs/lab-protocols.md)');
  }
  const { timestamp, signature, payload } = envelope.data;
  try {
    verifySignature(secret, { timestamp, signature, body: payload }, nowMs);
  } catch (error) {
    // the HTTP wording names headers; here they are fields of the message
    if (error instanceof RefusedResultError) {
      throw new RefusedResultError(error.code, error.message.replace(TIMESTAMP_HEADER, 'timestamp').replace(SIGNATURE_HEADER, 'signature'), error.field === TIMESTAMP_HEADER ? 'timestamp' : 'signature');
    }
    throw error;
  }
  return payload;
}
