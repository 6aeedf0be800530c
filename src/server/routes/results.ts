/** Results: list, enter by hand, upload a CSV, exclude from training (or include again), quarantine. */
import type { Context } from 'hono';
import { z } from 'zod';
import { assignQuarantinedResult, discardQuarantinedResult, ingestResults, quarantineGuard, quarantineLimiter, readResultsCsv, setExclusion } from '../../agent/index.js';
import { listQuarantinedOf, listResults } from '../../db/index.js';
import type { ServerEnv } from '../env.js';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { assignBody, resultsQuery, campaignParams, entryOutcomeSchema, errorSchema, experimentParams, quarantineParams, reasonBody, refValue, resultSchema, resultsBody } from '../openapi/schemas.js';
import type { Services } from '../services.js';
import type { RateLimit } from '../../util/rate-limit.js';

const outcomes = z.object({ results: z.array(entryOutcomeSchema) });

export function resultRoutes(api: ApiBuilder, services: Services, options: { quarantineLimit?: RateLimit } = {}): void {
  const { db } = services;
  // One bucket per API token: a token that keeps reporting unknown experiments is slowed down (429), not stored without end.
  const limiter = quarantineLimiter(options.quarantineLimit);
  const guardFor = (c: Context<ServerEnv>) => {
    const principal = c.get('principal');
    return quarantineGuard(limiter, principal?.tokenId ?? 'anonymous', `the token "${principal?.name ?? '?'}"`);
  };

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/results',
      tag: 'results',
      summary: 'Stored results, with their source and whether they are excluded from training',
      access: 'read',
      params: campaignParams,
      query: resultsQuery,
      responses: { 200: { description: 'Results in experiment order', schema: z.object({ results: z.array(resultSchema) }) } },
    },
    async (c, { params, query }) => {
      return c.json({ results: await listResults(db, await services.campaignId(params.id), { raw: query.raw === 'true' }) });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/results',
      tag: 'results',
      summary: 'Report measured results (by hand, or from a lab with a lab token)',
      description:
        'Each result is stored exactly once: a repeat is reported as `duplicate`; a result for an unknown, cancelled or failed experiment is `quarantined`, never dropped. ' +
        "Values are checked against the campaign's measured quantities and the objective's bounds; when any entry is invalid, none is stored (422).",
      access: 'ingest',
      params: campaignParams,
      body: resultsBody,
      responses: { 200: { description: 'What happened to each entry', schema: outcomes }, 422: { description: 'Invalid values; `error.issues` names each', schema: errorSchema } },
    },
    async (c, { params, body }) => {
      await services.campaign(params.id);
      const via = c.get('principal')?.role === 'lab' ? 'lab-token' : 'manual';
      return c.json({ results: await ingestResults(services.operator(c), params.id, body.results, { via, guard: guardFor(c) }) });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/results/csv',
      tag: 'results',
      summary: 'Upload results as CSV',
      description:
        'One column naming the experiment (`experiment`, `experiment_id` or `seq`: its number or UUID) and one column per measured quantity (e.g. `yield`). ' +
        'Every row is checked first; when any row is invalid, none is stored and `error.issues` gives each problem with its line.',
      access: 'operate',
      params: campaignParams,
      rawBody: { contentTypes: { 'text/csv': { description: 'experiment,yield\n3,71.5\n4,12.0' } } },
      responses: { 200: { description: 'What happened to each row', schema: outcomes }, 422: { description: 'Invalid CSV', schema: errorSchema } },
    },
    async (c, { params }) => {
      const campaign = await services.campaign(params.id);
      const text = await c.req.text();
      if (text.trim() === '') throw apiError(422, 'invalid_csv', 'the body is empty: send the CSV text', 'body');
      const entries = await readResultsCsv(campaign.spec, text);
      return c.json({ results: await ingestResults(services.operator(c), campaign.id, entries, { via: 'csv', guard: guardFor(c) }) });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/results/:ref/exclude',
      tag: 'results',
      summary: 'Exclude a result from training and from best-so-far, with the reason',
      description: 'The result stays stored; the exclusion is recorded as an event with who and why.',
      access: 'operate',
      params: experimentParams,
      body: reasonBody,
      responses: {
        200: { description: 'Excluded', schema: z.object({ seq: z.int(), excluded: z.literal(true), changed: z.boolean() }) },
        404: { description: 'No such experiment', schema: errorSchema },
        409: { description: 'The experiment has no result', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      const done = await setExclusion(services.operator(c), params.id, refValue(params.ref), body.reason);
      return c.json({ seq: done.seq, excluded: true, changed: done.changed });
    },
  );

  api.define(
    {
      method: 'delete',
      path: '/api/campaigns/:id/results/:ref/exclude',
      tag: 'results',
      summary: 'Include an excluded result again',
      access: 'operate',
      params: experimentParams,
      responses: { 200: { description: 'Included', schema: z.object({ seq: z.int(), excluded: z.literal(false), changed: z.boolean() }) } },
    },
    async (c, { params }) => {
      const done = await setExclusion(services.operator(c), params.id, refValue(params.ref), null);
      return c.json({ seq: done.seq, excluded: false, changed: done.changed });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/quarantine',
      tag: 'results',
      summary: 'Results that could not be matched to a live experiment of this campaign',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'Quarantined results, newest first', schema: z.object({ quarantined: z.array(z.record(z.string(), z.unknown())) }) } },
    },
    async (c, { params }) => {
      return c.json({ quarantined: await listQuarantinedOf(db, await services.campaignId(params.id)) });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/quarantine/:quarantineId/assign',
      tag: 'results',
      summary: 'Store a quarantined report as the result of an experiment that has none',
      description:
        'For a late result of an experiment that timed out or failed, or a report sent under a wrong id. The experiment becomes completed with the ' +
        "report's values; the quarantine row stays, marked `assigned`. 409 when the report was already resolved or the experiment has a result.",
      access: 'operate',
      params: quarantineParams,
      body: assignBody,
      responses: {
        200: { description: 'Stored', schema: z.object({ quarantineId: z.string(), resolution: z.literal('assigned'), seq: z.int(), values: z.record(z.string(), z.number()) }) },
        409: { description: 'Already resolved, or the experiment already has a result', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      const done = await assignQuarantinedResult(services.operator(c), await services.campaignId(params.id), params.quarantineId.toLowerCase(), body.experiment, body.reason);
      return c.json({ quarantineId: params.quarantineId.toLowerCase(), resolution: 'assigned' as const, seq: done.seq, values: done.values });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/quarantine/:quarantineId/discard',
      tag: 'results',
      summary: 'Set a quarantined report aside for good, with a reason',
      description: 'The row and its raw payload stay, marked `discarded` with the reason, who and when. 409 when it was already resolved.',
      access: 'operate',
      params: quarantineParams,
      body: reasonBody,
      responses: {
        200: { description: 'Discarded', schema: z.object({ quarantineId: z.string(), resolution: z.literal('discarded') }) },
        409: { description: 'Already resolved', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      await discardQuarantinedResult(services.operator(c), await services.campaignId(params.id), params.quarantineId.toLowerCase(), body.reason);
      return c.json({ quarantineId: params.quarantineId.toLowerCase(), resolution: 'discarded' as const });
    },
  );
}
