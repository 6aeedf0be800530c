/** Prior data (docs/transfer.md): what a campaign learns from besides its own results, and excluding a row of it. */
import { z } from 'zod';
import { setPriorRowExclusion, summarizePrior } from '../../agent/index.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, errorSchema, reasonBody } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const priorParams = campaignParams.extend({ seq: z.string().regex(/^\d+$/, 'a prior row is named by its number (GET …/prior)').describe('The prior row\'s number') });

const sourceSchema = z.object({
  source: z.string(),
  name: z.string(),
  task: z.enum(['same', 'related']),
  rows: z.int(),
  excluded: z.int(),
  skipped: z.int().describe('Rows that did not map onto the space at import (listed with their line in the prior.imported event)'),
  correlation: z.number().optional().describe("The learned correlation with the campaign's task (related sources, newest multi-task model)"),
  weight: z.number().optional().describe("The source's weight in the newest ranking-weighted ensemble (planner.model.transfer: ranking-ensemble): how often it ranks the campaign's own results best"),
});

const rowSchema = z.object({
  seq: z.int(),
  source: z.string(),
  sourceName: z.string(),
  task: z.enum(['same', 'related']),
  origin: z.int().describe('The CSV line (header = 1) or the source campaign\'s experiment number'),
  parameters: z.record(z.string(), z.union([z.string(), z.number()])),
  values: z.record(z.string(), z.number()),
  excludedReason: z.string().nullable(),
});

export function priorRoutes(api: ApiBuilder, services: Services): void {
  const { db } = services;
  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/prior',
      tag: 'results',
      summary: 'The prior data a campaign learns from: each source with its rows and learned task correlation, and every row',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'Sources and rows', schema: z.object({ sources: z.array(sourceSchema), modelVersion: z.int().optional(), ownWeight: z.number().optional().describe("With a ranking-weighted ensemble: the campaign's own model's weight"), rows: z.array(rowSchema) }) } },
    },
    async (c, { params }) => {
      const summary = await summarizePrior(db, await services.campaignId(params.id));
      return c.json({
        sources: summary.sources,
        ...(summary.modelVersion !== undefined ? { modelVersion: summary.modelVersion } : {}),
        ...(summary.ownWeight !== undefined ? { ownWeight: summary.ownWeight } : {}),
        rows: summary.rows.map((r) => ({ seq: r.seq, source: r.source, sourceName: r.sourceName, task: r.task, origin: r.origin, parameters: r.parameters, values: r.values, excludedReason: r.excludedReason })),
      });
    },
  );

  for (const method of ['post', 'delete'] as const) {
    const excluding = method === 'post';
    api.define(
      {
        method,
        path: '/api/campaigns/:id/prior/:seq/exclude',
        tag: 'results',
        summary: excluding ? 'Exclude a prior row from training and planning, with the reason' : 'Include an excluded prior row again',
        access: 'operate',
        params: priorParams,
        ...(excluding ? { body: reasonBody } : {}),
        responses: {
          200: { description: excluding ? 'Excluded' : 'Included', schema: z.object({ seq: z.int(), excluded: z.boolean(), changed: z.boolean() }) },
          404: { description: 'No such prior row', schema: errorSchema },
        },
      },
      async (c, { params, body }) => {
        const campaign = await services.campaign(params.id);
        const reason = excluding ? (body as { reason: string }).reason : null;
        const done = await setPriorRowExclusion(services.operator(c), campaign.id, Number(params.seq), reason);
        return c.json({ seq: done.seq, excluded: excluding, changed: done.changed });
      },
    );
  }
}
