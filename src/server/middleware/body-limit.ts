/** Bounds every request body, answering in the API's error shape. */
import { bodyLimit } from 'hono/body-limit';
import type { Context, Env } from 'hono';
import { createMiddleware } from 'hono/factory';
import { apiError } from '../errors.js';

/**
 * Up to this size an oversized body is read and thrown away before answering 413: an HTTP client
 * still sending when the server answers and closes sees a broken connection, not the answer.
 * Beyond it, or for callers `drain` does not vouch for, the answer comes at once.
 */
const DRAIN_LIMIT = 16_000_000;

/** `ownBound`: routes that stream their body under a bound of their own (a screening job's upload). */
export function limitBodies<E extends Env>(maxBytes: number, drain: (c: Context<E>) => boolean = () => true, ownBound: (c: Context<E>) => boolean = () => false) {
  const refuse = () => apiError(413, 'body_too_large', `request bodies are limited to ${maxBytes} bytes`);
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw refuse();
    },
  });
  return createMiddleware<E>(async (c, next) => {
    // A GET or HEAD has no body to bound (fetch's Request cannot carry one), and asking for it
    // builds the whole Request object @hono/node-server otherwise never makes: the largest share
    // of a read's CPU on the service's thread before its database work (bench:load profile).
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || ownBound(c)) return next();
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes && declared <= DRAIN_LIMIT && c.req.raw.body && drain(c)) {
      const reader = c.req.raw.body.getReader();
      while (!(await reader.read()).done) {
        // discard
      }
      throw refuse();
    }
    return limit(c, next);
  });
}
