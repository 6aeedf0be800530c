/** Campaigns: list, read, create from a campaign file, validate, steer (pause, resume, stop, settings), delete. */
import { z } from 'zod';
import {
  changeSettings,
  createCampaignFromChecked,
  deleteCampaign,
  pauseCampaign,
  resumeCampaign,
  stopCampaign,
} from '../../agent/index.js';
import { reachableCampaigns } from '../../auth/index.js';
import type { SourceFormat } from '../../campaign/index.js';
import { lastEventOf, listCampaigns } from '../../db/index.js';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignFileSchema, campaignParams, errorSchema, settingsBody, stopBody, summarySchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const CAMPAIGN_FILE_BODY = {
  contentTypes: {
    'application/yaml': { schema: campaignFileSchema, description: 'A campaign file in YAML (see docs/campaign-file.md)' },
    'application/json': { schema: campaignFileSchema, description: 'The same campaign file as JSON' },
  },
};

/** YAML unless the client says JSON; YAML would read JSON too, but JSON errors then name JSON lines. */
function formatOf(contentType: string | undefined): SourceFormat {
  return /\bjson\b/i.test(contentType ?? '') ? 'json' : 'yaml';
}

const statusOnly = z.object({ campaignId: z.string(), status: z.string(), state: z.string().nullable() });

export function campaignRoutes(api: ApiBuilder, services: Services): void {
  const { db, supervisor } = services;

  api.define(
    {
      method: 'get',
      path: '/api/campaigns',
      tag: 'campaigns',
      summary: 'List campaigns, newest first, with their progress',
      access: 'read',
      responses: { 200: { description: 'Campaign summaries', schema: z.object({ campaigns: z.array(summarySchema) }) } },
    },
    async (c) => {
      const principal = c.get('principal');
      const rows = principal ? reachableCampaigns(principal, await listCampaigns(db)) : [];
      const last = await lastEventOf(db, rows.map((r) => r.id));
      const campaigns = await Promise.all(
        rows.map(async (row) => {
          const event = last.get(row.id);
          return { ...(await services.view(row)), lastEvent: event ? { type: event.type, actor: event.actor, at: event.at.toISOString() } : null };
        }),
      );
      return c.json({ campaigns });
    },
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id',
      tag: 'campaigns',
      summary: 'One campaign: status, progress, best so far',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'The campaign summary', schema: summarySchema }, 404: { description: 'No such campaign', schema: errorSchema } },
    },
    async (c, { params }) => c.json(await services.view(await services.campaign(params.id))),
  );

  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/spec',
      tag: 'campaigns',
      summary: 'The campaign file as written, and the effective spec it runs with',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: '`source` (text) and `spec` (validated, with defaults)', schema: z.object({ source: z.string(), spec: z.record(z.string(), z.unknown()) }) } },
    },
    async (c, { params }) => {
      const row = await services.campaign(params.id);
      const { baseDir: _hidden, dataFolders: _folders, ...spec } = row.spec;
      return c.json({ source: row.specSource, spec });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/validate',
      tag: 'campaigns',
      summary: 'Check a campaign file without creating anything',
      description: 'Answers 200 with `{valid: true, spec}` or 422 with every problem, each with its field path and line.',
      access: 'operate',
      rawBody: CAMPAIGN_FILE_BODY,
      responses: {
        200: { description: 'The file is valid', schema: z.object({ valid: z.literal(true), spec: z.record(z.string(), z.unknown()) }) },
        422: { description: 'Problems, in `error.issues`', schema: errorSchema },
        503: { description: 'The checking workers are busy, or the check ran over the time limit (Retry-After)', schema: errorSchema },
      },
    },
    async (c) => {
      const { spec } = await services.work.checkCampaign({ text: await c.req.text(), format: formatOf(c.req.header('content-type')), ...services.campaignFiles });
      const { baseDir: _hidden, dataFolders: _folders, ...shown } = spec;
      return c.json({ valid: true, spec: shown });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns',
      tag: 'campaigns',
      summary: 'Create a campaign from a campaign file and start it',
      description:
        'The body is a campaign file (YAML or JSON). Relative paths in it (datasets, scope tables) resolve in the service\'s data folder and must stay inside it. ' +
        'Invalid files are refused with 422 and every problem in `error.issues`.',
      access: 'operate',
      rawBody: CAMPAIGN_FILE_BODY,
      responses: {
        201: { description: 'Created and started', schema: summarySchema },
        422: { description: 'The campaign file is invalid; `error.issues` lists every problem with its path and line', schema: errorSchema },
        503: { description: 'The checking workers are busy, or the check ran over the time limit (Retry-After)', schema: errorSchema },
      },
    },
    async (c) => {
      const text = await c.req.text();
      if (text.trim() === '') throw apiError(422, 'invalid_campaign', 'the body is empty: send a campaign file', 'body');
      const checked = await services.work.checkCampaign({ text, format: formatOf(c.req.header('content-type')), ...services.campaignFiles });
      const row = await createCampaignFromChecked(services.operator(c), checked, text);
      await supervisor.run(row);
      c.header('location', `/api/campaigns/${row.id}`);
      return c.json(await services.view(await services.campaign(row.id)), 201);
    },
  );

  api.define(
    {
      method: 'patch',
      path: '/api/campaigns/:id',
      tag: 'campaigns',
      summary: 'Change the budget or the planner settings',
      description: 'Takes effect at the next planning round of a running campaign. The budget cannot drop below the experiments already used.',
      access: 'operate',
      params: campaignParams,
      body: settingsBody,
      responses: {
        200: { description: 'The updated campaign', schema: summarySchema },
        409: { description: 'The campaign has ended', schema: errorSchema },
        422: { description: 'The settings are invalid', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      await changeSettings(services.operator(c), params.id, body);
      return c.json(await services.view(await services.campaign(params.id)));
    },
  );

  const control = (action: 'pause' | 'resume' | 'stop', summary: string, description: string) =>
    api.define(
      {
        method: 'post',
        path: `/api/campaigns/:id/${action}`,
        tag: 'campaigns',
        summary,
        description,
        access: 'operate',
        params: campaignParams,
        ...(action === 'stop' ? { body: stopBody } : {}),
        responses: {
          200: { description: 'The campaign status after the action', schema: statusOnly },
          409: { description: 'Not possible now (ended; pause and resume: not running in this process)', schema: errorSchema },
        },
      },
      async (c, { params, body }) => {
        const ctx = services.operator(c);
        if (action === 'pause') await pauseCampaign(ctx, params.id);
        else if (action === 'resume') await resumeCampaign(ctx, params.id);
        else await stopCampaign(ctx, params.id, (body as { reason?: string } | undefined)?.reason);
        if (action === 'stop') await supervisor.runner(params.id)?.done;
        const row = await services.campaign(params.id);
        return c.json({ campaignId: row.id, status: row.status, state: supervisor.runner(row.id)?.state ?? null });
      },
    );
  control('pause', 'Pause: nothing new is planned or dispatched', 'Experiments already in the lab go on; their results are stored. Idempotent.');
  control('resume', 'Resume where the campaign paused', 'Idempotent: resuming a running campaign changes nothing.');
  control(
    'stop',
    'Stop for good',
    'Cancels what is planned or in the lab and ends the campaign as `stopped`. Answers once it has ended. A campaign that runs nowhere (it never started) is stopped in the database.',
  );

  api.define(
    {
      method: 'delete',
      path: '/api/campaigns/:id',
      tag: 'campaigns',
      summary: 'Delete a finished campaign with everything recorded for it',
      description: 'Experiments, results, quarantined reports, events and model versions go with it. Only a completed, stopped or failed campaign: stop a running one first.',
      access: 'operate',
      params: campaignParams,
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such campaign', schema: errorSchema },
        409: { description: 'The campaign has not finished', schema: errorSchema },
      },
    },
    async (c, { params }) => {
      await deleteCampaign(services.operator(c), params.id);
      return c.body(null, 204);
    },
  );
}
