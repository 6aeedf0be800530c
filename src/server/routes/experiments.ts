/** Experiments of a campaign: list and filter, cancel one. */
import { z } from 'zod';
import { cancelExperiment } from '../../agent/index.js';
import { listExperiments, type ExperimentStatus } from '../../db/index.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { cancelBody, campaignParams, errorSchema, experimentParams, experimentQuery, experimentSchema, refValue } from '../openapi/schemas.js';
import type { Services } from '../services.js';

export function experimentRoutes(api: ApiBuilder, services: Services): void {
  const { db } = services;

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/experiments',
      tag: 'experiments',
      summary: 'Experiments in planning order, optionally filtered by status or batch',
      access: 'read',
      params: campaignParams,
      query: experimentQuery,
      responses: { 200: { description: 'Experiments with their proposal (strategy, rank, reason, mean, σ, acquisition)', schema: z.object({ experiments: z.array(experimentSchema) }) } },
    },
    async (c, { params, query }) => {
      const campaignId = await services.campaignId(params.id);
      const statuses = query.status?.split(',') as ExperimentStatus[] | undefined;
      const rows = await listExperiments(db, campaignId, statuses);
      return c.json({ experiments: query.batch === undefined ? rows : rows.filter((e) => e.batch === query.batch) });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/experiments/:ref/cancel',
      tag: 'experiments',
      summary: 'Cancel a planned experiment, or ask the lab to cancel one it holds',
      description: 'A cancelled experiment does not count against the budget; the planner proposes another in its place.',
      access: 'operate',
      params: experimentParams,
      body: cancelBody,
      responses: {
        200: { description: 'The cancelled experiment', schema: z.object({ experiment: experimentSchema }) },
        404: { description: 'No such experiment in this campaign', schema: errorSchema },
        409: { description: 'Already finished, or the lab could not cancel it', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      await services.campaign(params.id);
      const experiment = await cancelExperiment(services.operator(c), params.id, refValue(params.ref), body?.reason);
      return c.json({ experiment });
    },
  );
}
