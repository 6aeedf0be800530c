/**
 * API tokens over HTTP, for operators: list, create (the secret is in the answer once and never
 * again; only its hash is stored), revoke. The same as `athanor token`, so tokens can be handed
 * out from the panel, or by the CLI while `athanor serve` holds the home (src/cli/running-service.ts).
 */
import { z } from 'zod';
import { issueToken, TOKEN_NAME, TOKEN_NAME_RULE, TOKEN_ROLES } from '../../auth/index.js';
import { bindApiTokens, getCampaign, listApiTokens, revokeApiTokens, type ApiTokenRow } from '../../db/index.js';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(TOKEN_ROLES),
  prefix: z.string().describe("The token's first characters, to tell tokens apart (never the secret)"),
  campaigns: z.array(z.string()).nullable().describe('Lab tokens: the campaigns it may read and report to; null for other roles'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const newTokenBody = z
  .object({
    name: z.string().regex(TOKEN_NAME, TOKEN_NAME_RULE).describe('Who holds it; recorded as the actor of everything it does'),
    role: z.enum(TOKEN_ROLES).describe('viewer: watch; operator: create and steer campaigns, manage tokens; lab: report results'),
    campaigns: z.array(z.string().regex(UUID, 'a campaign id is a UUID')).max(100).optional().describe('Lab tokens only, and required for them: the campaigns it reports to'),
  })
  .strict()
  .superRefine((body, ctx) => {
    const bound = body.campaigns ?? [];
    if (body.role === 'lab' && bound.length === 0) ctx.addIssue({ code: 'custom', path: ['campaigns'], message: 'a lab token must be bound to the campaigns it reports to' });
    if (body.role !== 'lab' && bound.length > 0) ctx.addIssue({ code: 'custom', path: ['campaigns'], message: 'only lab tokens are bound to campaigns: viewer and operator tokens reach every campaign' });
  });

export type ShownToken = z.infer<typeof tokenSchema>;

/** A token as lists show it: never the secret nor its hash. */
export function shownToken(row: ApiTokenRow): ShownToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    campaigns: row.role === 'lab' ? (row.campaignIds ?? []) : null,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export function tokenRoutes(api: ApiBuilder, services: Services): void {
  const { db } = services;

  api.define(
    {
      method: 'get',
      path: '/api/tokens',
      tag: 'tokens',
      summary: 'List API tokens (never their secrets)',
      access: 'operate',
      query: z.object({ all: z.enum(['true', 'false']).optional().describe('true: revoked tokens too') }),
      responses: { 200: { description: 'Tokens, oldest first', schema: z.object({ tokens: z.array(tokenSchema) }) } },
    },
    async (c, { query }) => c.json({ tokens: (await listApiTokens(db, { includeRevoked: query.all === 'true' })).map(shownToken) }),
  );

  api.define(
    {
      method: 'post',
      path: '/api/tokens',
      tag: 'tokens',
      summary: 'Create a token; its secret is in this answer only',
      description: 'Only the SHA-256 of the secret is stored: keep `token` now, it cannot be shown again.',
      access: 'operate',
      body: newTokenBody,
      responses: {
        201: { description: 'The new token with its secret', schema: tokenSchema.extend({ token: z.string().describe('The secret, shown once') }) },
        422: { description: 'A campaign to bind does not exist', schema: errorSchema },
      },
    },
    async (c, { body }) => {
      const campaignIds = [...new Set((body.campaigns ?? []).map((id) => id.toLowerCase()))];
      for (const id of campaignIds) {
        if (!(await getCampaign(db, id))) throw apiError(422, 'campaign_not_found', `no campaign has the id ${id}`, 'campaigns');
      }
      const issued = await issueToken(db, body.name, body.role, { campaignIds });
      return c.json({ ...shownToken(issued.row), token: issued.token }, 201);
    },
  );

  const tokenParams = z.object({ id: z.string().regex(UUID, 'a token id is a UUID').describe('Token id (GET /api/tokens lists them)') });

  api.define(
    {
      method: 'patch',
      path: '/api/tokens/:id',
      tag: 'tokens',
      summary: 'Bind a live lab token to more campaigns (kept with those it has)',
      access: 'operate',
      params: tokenParams,
      body: z.object({ campaigns: z.array(z.string().regex(UUID, 'a campaign id is a UUID')).min(1, 'name at least one campaign').max(100) }).strict(),
      responses: {
        200: { description: 'The token as bound now', schema: tokenSchema },
        404: { description: 'No live token has this id', schema: errorSchema },
        409: { description: 'Not a lab token: viewer and operator tokens reach every campaign', schema: errorSchema },
        422: { description: 'A campaign does not exist', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      const token = (await listApiTokens(db)).find((t) => t.id === params.id.toLowerCase());
      if (!token) throw apiError(404, 'token_not_found', `no live token has the id ${params.id}`, 'id');
      if (token.role !== 'lab') throw apiError(409, 'not_a_lab_token', `"${token.name}" is a ${token.role} token, which reaches every campaign: only lab tokens are bound`, 'id');
      for (const id of body.campaigns) {
        if (!(await getCampaign(db, id.toLowerCase()))) throw apiError(422, 'campaign_not_found', `no campaign has the id ${id}`, 'campaigns');
      }
      await bindApiTokens(db, token.id, body.campaigns);
      const bound = (await listApiTokens(db)).find((t) => t.id === token.id)!;
      return c.json(shownToken(bound));
    },
  );

  api.define(
    {
      method: 'delete',
      path: '/api/tokens/:id',
      tag: 'tokens',
      summary: 'Revoke a token (its panel sessions end with it)',
      access: 'operate',
      params: tokenParams,
      responses: {
        200: { description: 'Revoked', schema: z.object({ revoked: z.int() }) },
        404: { description: 'No live token has this id', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      const revoked = await revokeApiTokens(db, params.id);
      if (revoked === 0) throw apiError(404, 'token_not_found', `no live token has the id ${params.id}`, 'id');
      return c.json({ revoked });
    },
  );
}
