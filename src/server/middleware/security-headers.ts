/**
 * Security headers for every response. The panel loads nothing from elsewhere, so the content
 * security policy allows only this origin; SVG images (RDKit drawings) get their own policy
 * because they carry inline styles and are never scripts.
 */
import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';

const PANEL_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function securityHeaders() {
  const panel = secureHeaders({ contentSecurityPolicy: PANEL_POLICY, referrerPolicy: 'same-origin', crossOriginEmbedderPolicy: false });
  return createMiddleware(async (c, next) => {
    await panel(c, next);
    if (c.res.headers.get('content-type')?.startsWith('image/svg+xml')) {
      c.res.headers.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    }
  });
}
