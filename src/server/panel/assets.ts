/**
 * The panel's static files (one script, one stylesheet, an icon), read once from src/server/assets
 * and served with a content hash in their URL, so browsers may cache them for good.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

const FOLDER = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

const TYPES: Record<string, string> = {
  'panel.js': 'text/javascript; charset=utf-8',
  'panel.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

interface Asset {
  body: string;
  type: string;
  hash: string;
}

let assets: Map<string, Asset> | undefined;

function load(): Map<string, Asset> {
  assets ??= new Map(
    Object.entries(TYPES).map(([name, type]) => {
      const body = readFileSync(join(FOLDER, name), 'utf8');
      return [name, { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }];
    }),
  );
  return assets;
}

export function assetUrl(name: keyof typeof TYPES & string): string {
  const asset = load().get(name);
  return `/assets/${name}${asset ? `?v=${asset.hash}` : ''}`;
}

export function assetRoutes(app: Hono<any>): void {
  app.get('/assets/:name', (c) => {
    const asset = load().get(c.req.param('name'));
    if (!asset) return c.notFound();
    const versioned = c.req.query('v') === asset.hash;
    return c.body(asset.body, 200, {
      'content-type': asset.type,
      'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  });
}
